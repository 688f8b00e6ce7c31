using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>One entry of an aliases(5) file: the folded name, the normalized value, and the line it starts on.</summary>
public sealed record AliasEntry(string Name, string Value, int Line);

/// <summary>
/// Parses aliases(5) files as postalias(1) stores them: logical lines <c>name: value,
/// value, ...</c> (a line starting with whitespace continues the previous one; <c>#</c>
/// comments and blank lines are skipped); a name may be in double quotes (stored without
/// them); names are folded to lower case unless folding is off; each value element is
/// trimmed and the elements rejoined with <c>", "</c>. A line without <c>name:</c> or
/// without a value warns <c>file, line N: need name:value pair</c> and is skipped.
/// Delivery-time rules (<c>owner-name</c>, <c>name-request</c>, <c>:include:</c>, <c>|command</c>,
/// <c>/file</c>) are local(8)'s business; <see cref="AliasTarget"/> classifies the elements.
/// </summary>
public static class AliasesFile
{
    public static IEnumerable<AliasEntry> Parse(TextReader reader, string path, Action<string> warn, bool foldCase = true)
    {
        foreach (var line in SourceLines.Read(reader))
        {
            if (!TrySplit(line.Text, out var name, out var value))
            {
                warn($"{path}, line {line.Number}: need name:value pair");
                continue;
            }
            yield return new AliasEntry(foldCase ? name.ToLowerInvariant() : name, value, line.Number);
        }
    }

    /// <summary>Splits <c>name: value</c>; the name may be quoted (with <c>\"</c> inside) and holds no unquoted colon.</summary>
    public static bool TrySplit(string text, out string name, out string value)
    {
        name = value = "";
        var s = text.Trim();
        var sb = new StringBuilder();
        int i = 0;
        bool quoted = false;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < s.Length)
                    sb.Append(s[++i]);
                else if (c == '"')
                    quoted = false;
                else
                    sb.Append(c);
                continue;
            }
            if (c == '"')
                quoted = true;
            else if (c == ':')
                break;
            else
                sb.Append(c);
        }
        if (i >= s.Length || quoted)
            return false;
        name = sb.ToString().Trim();
        value = Normalize(s[(i + 1)..]);
        return name.Length > 0 && value.Length > 0;
    }

    /// <summary>
    /// The value as postalias stores it (Postfix re-tokenizes it as RFC 822 addresses): elements
    /// split at commas outside quotes, each trimmed, whitespace runs outside quotes collapsed
    /// to one space, backslash escapes outside quotes resolved (quoting the element when a
    /// backslash or quote remains), then joined with ", ", empty elements included.
    /// </summary>
    public static string Normalize(string value)
    {
        var elements = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length)
                i++;
            else if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                elements.Add(NormalizeElement(value[start..i]));
                start = i + 1;
            }
        }
        elements.Add(NormalizeElement(value[start..]));
        return string.Join(", ", elements);
    }

    private static string NormalizeElement(string element)
    {
        var e = element.Trim();
        var sb = new StringBuilder(e.Length);
        bool quoted = false, space = false, hasQuotes = e.Contains('"', StringComparison.Ordinal), needsQuotes = false;
        for (int i = 0; i < e.Length; i++)
        {
            char c = e[i];
            if (quoted)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < e.Length)
                    sb.Append(e[++i]);
                else if (c == '"')
                    quoted = false;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }
            if (space)
            {
                sb.Append(' ');
                space = false;
            }
            if (c == '"')
                quoted = true;
            else if (c == '\\' && !hasQuotes && i + 1 < e.Length)
            {
                c = e[++i];
                needsQuotes |= c is '\\' or '"';
            }
            sb.Append(c);
        }
        if (!needsQuotes)
            return sb.ToString();
        return "\"" + sb.ToString().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>What one alias value element asks local(8) to do (aliases(5)).</summary>
public enum AliasTargetKind
{
    /// <summary>An address to resolve again (possibly another alias).</summary>
    Address,

    /// <summary><c>|command</c>: pipe the message to a command (allow_mail_to_commands).</summary>
    Command,

    /// <summary><c>/file/name</c>: append to a file (allow_mail_to_files).</summary>
    File,

    /// <summary><c>:include:/file/name</c>: read more destinations from a file.</summary>
    Include,
}

/// <summary>One classified alias destination; quotes around a command or file are removed.</summary>
public sealed record AliasTarget(AliasTargetKind Kind, string Text)
{
    public static AliasTarget Classify(string element)
    {
        var e = element.Trim();
        if (e.Length >= 2 && e[0] == '"' && e[^1] == '"')
            e = e[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
        if (e.StartsWith('|'))
            return new(AliasTargetKind.Command, e[1..]);
        if (e.StartsWith(":include:", StringComparison.OrdinalIgnoreCase))
            return new(AliasTargetKind.Include, e[9..].Trim());
        if (e.StartsWith('/'))
            return new(AliasTargetKind.File, e);
        return new(AliasTargetKind.Address, e);
    }

    /// <summary>All destinations of an alias value.</summary>
    public static IReadOnlyList<AliasTarget> ParseValue(string value) =>
        AddressLookup.SplitValues(value).Select(Classify).ToList();
}
