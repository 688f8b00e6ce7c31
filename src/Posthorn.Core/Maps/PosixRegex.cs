using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Translates a POSIX extended regular expression (regex(7), as regexp_table(5) uses) to .NET
/// syntax: bracket expressions keep backslash literal and a leading <c>]</c> literal, and the
/// character classes <c>[:alpha:]</c> etc. become ranges. Outside brackets the two syntaxes
/// agree for everything regexp tables use.
/// </summary>
internal static class PosixRegex
{
    private static readonly Dictionary<string, string> Classes = new(StringComparer.Ordinal)
    {
        ["alpha"] = "a-zA-Z",
        ["digit"] = "0-9",
        ["alnum"] = "a-zA-Z0-9",
        ["upper"] = "A-Z",
        ["lower"] = "a-z",
        ["space"] = @" \t\n\r\f\v",
        ["blank"] = @" \t",
        ["punct"] = @"!-/:-@\[-`{-~",
        ["xdigit"] = "0-9A-Fa-f",
        ["cntrl"] = @"\x00-\x1f\x7f",
        ["print"] = @"\x20-\x7e",
        ["graph"] = @"\x21-\x7e",
    };

    public static string ToDotNet(string ere)
    {
        var sb = new StringBuilder(ere.Length + 8);
        for (int i = 0; i < ere.Length; i++)
        {
            char c = ere[i];
            if (c == '\\' && i + 1 < ere.Length)
            {
                sb.Append(c).Append(ere[++i]);
                continue;
            }
            if (c != '[')
            {
                sb.Append(c);
                continue;
            }
            int j = i + 1;
            sb.Append('[');
            if (j < ere.Length && ere[j] == '^')
            {
                sb.Append('^');
                j++;
            }
            if (j < ere.Length && ere[j] == ']')
            {
                sb.Append(@"\]");
                j++;
            }
            bool closed = false;
            for (; j < ere.Length; j++)
            {
                char d = ere[j];
                if (d == ']')
                {
                    closed = true;
                    break;
                }
                if (d == '[' && j + 1 < ere.Length && ere[j + 1] == ':')
                {
                    int end = ere.IndexOf(":]", j + 2, StringComparison.Ordinal);
                    if (end < 0)
                        throw new ArgumentException("Unmatched [, [^, [:, [., or [=");
                    var name = ere[(j + 2)..end];
                    if (!Classes.TryGetValue(name, out var range))
                        throw new ArgumentException("Invalid character class name");
                    sb.Append(range);
                    j = end + 1;
                    continue;
                }
                if (d is '\\' or '[')
                    sb.Append('\\');
                sb.Append(d);
            }
            if (!closed)
                throw new ArgumentException("Unmatched [, [^, [:, [., or [=");
            sb.Append(']');
            i = j;
        }
        return sb.ToString();
    }
}
