using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Logical lines of a table source file as Postfix's readlline reads them (postmap(1) INPUT
/// FILE FORMAT): empty, whitespace-only and <c>#</c> lines are skipped; a line starting with
/// whitespace continues the previous logical line (joined as is, without the newline). Each
/// logical line carries the number of the physical line where it starts.
/// </summary>
public static class SourceLines
{
    public readonly record struct Line(int Number, string Text);

    public static IEnumerable<Line> Read(TextReader reader)
    {
        // The pending logical line is a plain string until a continuation line makes it a builder.
        string? pending = null;
        StringBuilder? joined = null;
        int start = 0, number = 0;
        string? raw;
        while ((raw = reader.ReadLine()) is not null)
        {
            number++;
            if (raw.Length > 0 && raw[^1] == '\r')
                raw = raw[..^1];
            var trimmed = raw.AsSpan().TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
                continue;
            if (char.IsWhiteSpace(raw[0]) && pending is not null)
            {
                (joined ??= new StringBuilder(pending)).Append(raw);
                continue;
            }
            if (pending is not null)
                yield return new Line(start, joined?.ToString() ?? pending);
            pending = raw;
            joined = null;
            start = number;
        }
        if (pending is not null)
            yield return new Line(start, joined?.ToString() ?? pending);
    }

    /// <summary>
    /// Splits "key whitespace value" (postmap(1)): surrounding whitespace is stripped. A key
    /// may be wrapped in double quotes to hold whitespace (<c>\"</c> and <c>\\</c> escape
    /// inside); as Postfix 3.7 does, the quoted key is stored as written, quotes included, so
    /// it matches the RFC 5322 quoted form of an address local part. False when there is no value.
    /// </summary>
    public static bool SplitKeyValue(string line, out string key, out string value)
    {
        var s = line.Trim();
        key = value = "";
        int i = 0;
        if (s.Length > 0 && s[0] == '"')
        {
            for (i = 1; i < s.Length; i++)
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                    i++;
                else if (s[i] == '"')
                    break;
            }
            if (i >= s.Length)
                return false;
            i++;
        }
        while (i < s.Length && !char.IsWhiteSpace(s[i]))
            i++;
        key = s[..i];
        value = s[i..].Trim();
        return key.Length > 0 && value.Length > 0;
    }
}
