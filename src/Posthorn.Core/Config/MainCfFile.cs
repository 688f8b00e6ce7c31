namespace Posthorn.Core.Config;

/// <summary>One <c>name = value</c> definition in main.cf, with the line it starts on.</summary>
public sealed record MainCfEntry(string Name, string Value, int Line);

/// <summary>
/// The text of main.cf split into logical lines as postconf(5) describes: a logical line starts
/// with non-whitespace text, a line that starts with whitespace continues it, and empty lines and
/// lines whose first non-whitespace character is '#' are ignored. The last definition of a name
/// wins. Only parsing lives here; expansion is <see cref="MainConfig"/>'s.
/// </summary>
public sealed class MainCfFile
{
    private MainCfFile(string path, IReadOnlyList<MainCfEntry> entries)
    {
        Path = path;
        Entries = entries;
    }

    public string Path { get; }

    /// <summary>Every definition in file order, duplicates included.</summary>
    public IReadOnlyList<MainCfEntry> Entries { get; }

    /// <summary>Reads and parses a main.cf; a missing file is an empty configuration.</summary>
    public static MainCfFile Load(string path)
    {
        if (!File.Exists(path))
            return new MainCfFile(path, []);
        return Parse(path, File.ReadAllText(path));
    }

    public static MainCfFile Parse(string path, string text)
    {
        var entries = new List<MainCfEntry>();
        foreach (var (line, logical) in LogicalLines.Read(text))
        {
            int eq = logical.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
                throw new ConfigException(path, line, $"missing '=' after attribute name: \"{logical.Trim()}\"");
            var name = logical[..eq].Trim();
            if (name.Length == 0)
                throw new ConfigException(path, line, "missing attribute name");
            if (name.Any(char.IsWhiteSpace))
                throw new ConfigException(path, line, $"missing '=' after attribute name: \"{name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]}\"");
            entries.Add(new MainCfEntry(name, logical[(eq + 1)..].Trim(), line));
        }
        return new MainCfFile(path, entries);
    }

    /// <summary>The effective definitions: last one wins.</summary>
    public Dictionary<string, MainCfEntry> ToDictionary()
    {
        var map = new Dictionary<string, MainCfEntry>(StringComparer.Ordinal);
        foreach (var e in Entries)
            map[e.Name] = e;
        return map;
    }
}

/// <summary>The logical-line rules shared by main.cf, master.cf and Postfix table files.</summary>
public static class LogicalLines
{
    /// <summary>
    /// Yields (first physical line number, logical line) pairs. Continuation lines are joined
    /// with a single space after their leading whitespace is dropped... as Postfix does, the
    /// joined text keeps one space between the parts.
    /// </summary>
    public static IEnumerable<(int Line, string Text)> Read(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        System.Text.StringBuilder? current = null;
        int start = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var raw = lines[i];
            var trimmed = raw.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
                continue;
            bool continuation = char.IsWhiteSpace(raw[0]);
            if (continuation && current is not null)
            {
                current.Append(' ').Append(trimmed.TrimEnd());
                continue;
            }
            if (current is not null)
                yield return (start, current.ToString());
            current = new System.Text.StringBuilder(trimmed.TrimEnd());
            start = i + 1;
        }
        if (current is not null)
            yield return (start, current.ToString());
    }
}
