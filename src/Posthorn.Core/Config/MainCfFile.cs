namespace Posthorn.Core.Config;

/// <summary>One <c>name = value</c> definition in main.cf, with the line it starts on.</summary>
public sealed record MainCfEntry(string Name, string Value, int Line);

/// <summary>
/// The text of main.cf split into definitions as postconf(5) describes: logical lines
/// (<see cref="LogicalLines"/>), each <c>name = value</c> with the whitespace around name and
/// value dropped; the last definition of a name wins (with Postfix's "overriding earlier entry"
/// warning). A line without '=' or without a name is
/// an error naming <c>file, line N</c> in Postfix's words. Only parsing lives here; expansion is
/// <see cref="MainConfig"/>'s.
/// </summary>
public sealed class MainCfFile
{
    private readonly List<string> _warnings;

    private MainCfFile(string path, IReadOnlyList<MainCfEntry> entries, List<string> warnings)
    {
        Path = path;
        Entries = entries;
        _warnings = warnings;
    }

    public string Path { get; }

    /// <summary>Every definition in file order, duplicates included.</summary>
    public IReadOnlyList<MainCfEntry> Entries { get; }

    /// <summary>Non-fatal problems found while parsing (Postfix prints them as warnings).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads and parses a main.cf; a missing file is an empty configuration.</summary>
    public static MainCfFile Load(string path)
    {
        if (!File.Exists(path))
            return new MainCfFile(path, [], []);
        return Parse(path, File.ReadAllText(path));
    }

    public static MainCfFile Parse(string path, string text)
    {
        var entries = new List<MainCfEntry>();
        var warnings = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (line, logical) in LogicalLines.Read(text, (_, raw) =>
                     warnings.Add($"{path}: logical line must not start with whitespace: \"{raw}\"")))
        {
            var (name, value, error) = SplitNameValue(logical);
            if (error is not null)
                throw new ConfigException(path, line, $"{error}: \"{logical}\"");
            if (seen.TryGetValue(name, out var earlier))
                warnings.Add($"{path}:{line}: overriding earlier entry: {name}={earlier}");
            seen[name] = value;
            entries.Add(new MainCfEntry(name, value, line));
        }
        return new MainCfFile(path, entries, warnings);
    }

    /// <summary>
    /// Splits <c>name = value</c> as Postfix's split_nameval() does: whitespace around both
    /// dropped; the error text when the name is missing or followed by anything but '='.
    /// </summary>
    public static (string Name, string Value, string? Error) SplitNameValue(string text)
    {
        var t = text.Trim();
        int n = 0;
        while (n < t.Length && !char.IsWhiteSpace(t[n]) && t[n] != '=')
            n++;
        if (n == 0)
            return ("", "", "missing attribute name");
        int eq = n;
        while (eq < t.Length && char.IsWhiteSpace(t[eq]))
            eq++;
        if (eq >= t.Length || t[eq] != '=')
            return ("", "", "missing '=' after attribute name");
        return (t[..n], t[(eq + 1)..].Trim(), null);
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
