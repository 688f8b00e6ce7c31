using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// message_reject_characters and message_strip_characters (postconf(5)): a content line
/// holding a character of the first set rejects the message ("5.7.1 disallowed character",
/// logged as a "content" reject); characters of the second set are removed. Both sets accept
/// C escapes: \a \b \f \n \r \t \v, \ddd (octal) and \\. Applied to every header and body
/// line while header/body checks are enabled.
/// </summary>
internal sealed class CharacterScreen
{
    private readonly string _reject;
    private readonly string _strip;

    public CharacterScreen(string reject, string strip)
    {
        _reject = Unescape(reject);
        _strip = Unescape(strip);
    }

    /// <summary>The line to process, or null when it caused a rejection.</summary>
    public string? Screen(CleanupState state, string line)
    {
        if (!state.ChecksEnabled)
            return line;
        if (_reject.Length > 0 && line.AsSpan().IndexOfAny(_reject) >= 0)
        {
            ContentActions.Act(state, "content", line, "REJECT disallowed character", "character reject", _ => { });
            return null;
        }
        if (_strip.Length > 0 && line.AsSpan().IndexOfAny(_strip) >= 0)
        {
            var sb = new StringBuilder(line.Length);
            foreach (var c in line)
            {
                if (!_strip.Contains(c, StringComparison.Ordinal))
                    sb.Append(c);
            }
            return sb.ToString();
        }
        return line;
    }

    /// <summary>Postfix's unescape(): C-like escapes.</summary>
    public static string Unescape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\' || i + 1 == text.Length)
            {
                sb.Append(c);
                continue;
            }
            c = text[++i];
            switch (c)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                    int value = 0, n = 0;
                    while (n < 3 && i < text.Length && text[i] is >= '0' and <= '7')
                    {
                        value = value * 8 + (text[i] - '0');
                        i++;
                        n++;
                    }
                    i--;
                    sb.Append((char)value);
                    break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
