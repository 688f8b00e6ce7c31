namespace Posthorn.Core.Config;

/// <summary>
/// Edits main.cf in place as <c>postconf -e</c>, <c>-X</c> and <c>-#</c> do (postconf(1)):
/// every definition of a named parameter is replaced by <c>name = value</c> (-e), removed with
/// its continuation lines (-X) or commented out line by line (-#); comments, blank lines and
/// all other definitions keep their text and order; -e appends names not yet defined, sorted.
/// The new file is written beside the old one and renamed over it, so a failure loses nothing.
/// </summary>
public static class MainCfEditor
{
    public enum Mode
    {
        Set,
        Remove,
        CommentOut,
    }

    /// <summary>
    /// Parses the command-line edit requests (<c>name=value</c> or <c>name = value</c> for -e,
    /// bare names otherwise). Returns name to value (null for -X/-#); a bad request is a
    /// <see cref="ConfigException"/> with Postfix's text. <paramref name="warn"/> gets "ignoring
    /// earlier request" warnings.
    /// </summary>
    public static List<KeyValuePair<string, string?>> ParseRequests(Mode mode, IEnumerable<string> args, Action<string> warn)
    {
        var requests = new List<KeyValuePair<string, string?>>();
        foreach (var arg in args)
        {
            if (arg.Contains('\n', StringComparison.Ordinal))
                throw new ConfigException("-e, -X, or -# accepts no multi-line input");
            var cp = arg.TrimStart();
            if (cp.StartsWith('#'))
                throw new ConfigException("-e, -X, or -# accepts no comment input");
            string name;
            string? value = null;
            if (mode == Mode.Set)
            {
                var (n, v, error) = MainCfFile.SplitNameValue(cp);
                if (error is not null)
                    throw new ConfigException($"{error}: \"{cp}\"");
                name = n;
                value = v;
            }
            else
            {
                if (cp.Length == 0)
                    throw new ConfigException("-X or -# requires non-blank parameter names");
                if (cp.Contains('=', StringComparison.Ordinal))
                    throw new ConfigException("-X or -# requires parameter names without value");
                name = cp.TrimEnd();
            }
            int at = requests.FindIndex(r => r.Key == name);
            if (at >= 0)
            {
                if (value is not null && requests[at].Value is { } earlier && earlier != value)
                    warn($"ignoring earlier request: '{name} = {earlier}'");
                requests.RemoveAt(at);
            }
            requests.Add(new(name, value));
        }
        return requests;
    }

    /// <summary>Applies the requests to main.cf at <paramref name="path"/>.</summary>
    public static void Edit(string path, Mode mode, IReadOnlyList<KeyValuePair<string, string?>> requests, Action<string> warn)
    {
        if (!File.Exists(path))
            throw new ConfigException($"open {path} for reading: No such file or directory");
        var text = File.ReadAllText(path);
        var table = requests.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        var output = new System.Text.StringBuilder(text.Length + 64);
        bool interesting = false;
        var lines = text.Split('\n');
        int count = text.Length == 0 ? 0 : text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            var line = lines[i] + "\n";
            var trimmed = lines[i].TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                output.Append(line);
                continue;
            }
            if (char.IsWhiteSpace(lines[i][0]))
            {
                if (!interesting)
                    output.Append(line);
                else if (mode == Mode.CommentOut)
                    output.Append('#').Append(line);
                continue;
            }
            int end = 0;
            while (end < lines[i].Length && !char.IsWhiteSpace(lines[i][end]) && lines[i][end] != '=')
                end++;
            var key = lines[i][..end];
            interesting = table.TryGetValue(key, out var value);
            if (!interesting)
            {
                output.Append(line);
                continue;
            }
            found[key] = found.GetValueOrDefault(key) + 1;
            if (found[key] == 2)
                warn($"{path}: multiple entries for \"{key}\"");
            if (mode == Mode.Set)
                output.Append(key).Append(" = ").Append(value).Append('\n');
            else if (mode == Mode.CommentOut)
                output.Append('#').Append(line);
        }
        if (mode == Mode.Set)
        {
            foreach (var (name, value) in requests.Where(r => !found.ContainsKey(r.Key)).OrderBy(r => r.Key, StringComparer.Ordinal))
                output.Append(name).Append(" = ").Append(value).Append('\n');
        }
        WriteReplacing(path, output.ToString());
    }

    /// <summary>Writes a file beside <paramref name="path"/>, flushes it to disk and renames it over the original.</summary>
    public static void WriteReplacing(string path, string text)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(text);
                fs.Write(bytes);
                fs.Flush(true);
            }
            if (File.Exists(path) && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(tmp, File.GetUnixFileMode(path));
            File.Move(tmp, path, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException)
            {
            }
            throw new ConfigException($"open {tmp}: {e.Message}", e);
        }
    }
}
