namespace Posthorn.Core.Config;

/// <summary>
/// Edits master.cf in place as postconf(1) does: <c>-M name/type='entry'</c> replaces or appends
/// an entry, <c>-MX</c> removes one, <c>-M#</c> comments one out line by line, <c>-F
/// name/type/field=value</c> changes a field, <c>-P name/type/parameter=value</c> sets an -o
/// override and <c>-PX name/type/parameter</c> removes one. Changed entries are written folded
/// as postconf -Mf prints them; comments and all other lines keep their text and order.
/// </summary>
public static class MasterCfEditor
{
    /// <summary>A service selector <c>name/type</c> from the command line.</summary>
    public static (string Name, string Type) ParseService(string text, string usage)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new ConfigException(usage);
        return (parts[0], parts[1]);
    }

    /// <summary>-M name/type=entry: replace the entry with that name and type, else append it.</summary>
    public static void SetEntry(string path, string request)
    {
        int eq = request.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
            throw new ConfigException($"-Me requires service/type=entry: \"{request}\"");
        var (name, type) = ParseService(request[..eq].Trim(), $"-Me requires service/type=entry: \"{request}\"");
        var entryText = request[(eq + 1)..].Trim();
        MasterService entry;
        try
        {
            entry = MasterCfFile.ParseEntry(path, 1, entryText);
        }
        catch (ConfigException e)
        {
            var reason = e.Message[(e.Message.IndexOf(": line 1: ", StringComparison.Ordinal) + 10)..];
            throw new ConfigException(reason == "bad field count" ? $"{reason}: \"{request}\"" : reason);
        }
        _ = Rewrite(path, (name, type), (_, _) => MasterCfFormatter.Entry(entry, true), append: MasterCfFormatter.Entry(entry, true));
    }

    /// <summary>-MX (remove) or -M# (comment out) the named entries.</summary>
    public static bool RemoveEntry(string path, (string Name, string Type) service, bool commentOut) =>
        Rewrite(path, service, (_, lines) => commentOut ? string.Concat(lines.Select(l => l.TrimStart().StartsWith('#') || l.Trim().Length == 0 ? l : "#" + l)) : "", append: null);

    /// <summary>-F name/type/field=value.</summary>
    public static bool SetField(string path, (string Name, string Type) service, string field, string value)
    {
        int f = Array.IndexOf(MasterCfFile.FieldNames, field);
        if (f < 0)
            throw new ConfigException($"invalid field name: \"{field}\"");
        if (f < 7 && value.AsSpan().IndexOfAny(" \t") >= 0)
            throw new ConfigException("-Fe does not accept whitespace in non-command field");
        return Rewrite(path, service, (old, _) =>
        {
            var fields = old.Fields.ToArray();
            var words = MasterCfFile.Tokenize(value, path, old.Line, keepBraces: true);
            string tail;
            if (f == 7)
            {
                if (words.Count == 0)
                    throw new ConfigException("-Fe does not accept an empty command field");
                fields[7] = words[0];
                tail = string.Join(' ', words.Skip(1));
            }
            else
            {
                fields[f] = value;
                tail = string.Join(' ', old.RawArguments.Select(Quote));
            }
            var updated = MasterCfFile.ParseEntry(path, old.Line, string.Join(' ', fields) + (tail.Length > 0 ? " " + tail : ""));
            return MasterCfFormatter.Entry(updated, true);
        }, append: null, commentsFirst: true);
    }

    /// <summary>-P name/type/parameter=value (value null: -PX, remove).</summary>
    public static bool SetParameter(string path, (string Name, string Type) service, string parameter, string? value)
    {
        if (value is not null && value.AsSpan().IndexOfAny(" \t") >= 0)
            throw new ConfigException("-Pe does not accept whitespace in parameter value");
        return Rewrite(path, service, (old, _) =>
        {
            var args = old.RawArguments.ToList();
            int optionsEnd = 0;
            bool replaced = false;
            for (int i = 0; i < args.Count; i++)
            {
                if (args[i].Length == 0 || args[i][0] != '-' || args[i] == "--")
                    break;
                if (args[i] == "-o" && i + 1 < args.Count)
                {
                    var (n, _, _) = MainCfFile.SplitNameValue(args[i + 1]);
                    if (n == parameter)
                    {
                        if (value is null || replaced)
                        {
                            args.RemoveRange(i, 2);
                            i--;
                            continue;
                        }
                        args[i + 1] = parameter + "=" + value;
                        replaced = true;
                    }
                    i++;
                }
                optionsEnd = i + 1;
            }
            if (value is not null && !replaced)
                args.InsertRange(optionsEnd, ["-o", parameter + "=" + value]);
            var updated = old with { RawArguments = args };
            return MasterCfFormatter.Entry(updated, true);
        }, append: null, commentsFirst: true);
    }

    private static string Quote(string arg) => arg.AsSpan().IndexOfAny(" \t") >= 0 ? "{" + arg + "}" : arg;

    /// <summary>Replaces each matching entry's lines with <paramref name="replace"/>'s text; appends when nothing matched.</summary>
    /// <remarks>
    /// With <paramref name="commentsFirst"/> (-F and -P, as Postfix does it) the comment and blank
    /// lines that follow the entry up to the next entry are written before the rewritten entry.
    /// </remarks>
    private static bool Rewrite(string path, (string Name, string Type) service, Func<MasterService, List<string>, string> replace,
        string? append, bool commentsFirst = false)
    {
        if (!File.Exists(path))
            throw new ConfigException($"open {path}: No such file or directory");
        var text = File.ReadAllText(path);
        var file = MasterCfFile.Parse(path, text);
        var lines = text.Split('\n').Select(l => l + "\n").ToList();
        if (text.EndsWith('\n'))
            lines.RemoveAt(lines.Count - 1);
        var output = new System.Text.StringBuilder(text.Length + 128);
        int next = 1;
        bool matched = false;
        for (int k = 0; k < file.Services.Count; k++)
        {
            var s = file.Services[k];
            if (!Matches(s, service))
                continue;
            for (; next < s.Line; next++)
                output.Append(lines[next - 1]);
            int last = commentsFirst ? (k + 1 < file.Services.Count ? file.Services[k + 1].Line - 1 : lines.Count) : s.LastLine;
            var own = lines.GetRange(s.Line - 1, last - s.Line + 1);
            var comments = own.Skip(1).Where(l => l.TrimStart().StartsWith('#') || l.Trim().Length == 0).ToList();
            var replacement = replace(s, own);
            if (commentsFirst)
                comments.ForEach(c => output.Append(c));
            output.Append(replacement);
            if (!commentsFirst && (replacement.Length == 0 || !replacement.StartsWith('#')))
                comments.ForEach(c => output.Append(c));
            next = last + 1;
            matched = true;
        }
        for (; next <= lines.Count; next++)
            output.Append(lines[next - 1]);
        if (!matched && append is not null)
            output.Append(append);
        MainCfEditor.WriteReplacing(path, output.ToString());
        return matched;
    }

    private static bool Matches(MasterService s, (string Name, string Type) service) =>
        (service.Name == "*" || s.Name == service.Name) && (service.Type == "*" || s.Type == service.Type);
}
