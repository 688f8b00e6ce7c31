using System.Text;

namespace Posthorn.Core.Addressing;

/// <summary>
/// The RFC 5321 section 4.1.2 grammar behind <see cref="MailAddress"/>: Local-part is a
/// Dot-string (atext and dots; Postfix also takes leading, trailing and doubled dots) or a Quoted-string (qtextSMTP and
/// quoted-pairSMTP); Domain is sub-domains (letters, digits, inner hyphens; UTF-8 U-labels with
/// SMTPUTF8, RFC 6531) or an address-literal ([IPv4], [IPv6:...], or Tag:text).
/// </summary>
internal static class MailAddressSyntax
{
    private const string AtextSpecials = "!#$%&'*+-/=?^_`{|}~";

    public static MailAddress? Parse(string path, bool allowNull, bool strict, bool smtpUtf8)
    {
        var text = path.Trim(' ', '\t');
        bool bracketed = text.Length >= 2 && text[0] == '<' && text[^1] == '>';
        if (bracketed)
            text = text[1..^1].Trim(' ', '\t'); // Postfix's tokenizer ignores blanks inside the brackets
        else if (strict || text.StartsWith('<') || text.EndsWith('>'))
            return null;
        if (text.Length == 0)
            return allowNull ? MailAddress.Null : null;

        // A source route "@a,@b:" is dropped up to its colon (RFC 5321 section 4.1.2, Postfix smtpd).
        int routeEnd = text[0] == '@' ? text.IndexOf(':', StringComparison.Ordinal) : -1;
        if (routeEnd >= 0)
        {
            int colon = routeEnd;
            text = text[(colon + 1)..];
            if (text.Length == 0)
                return allowNull ? MailAddress.Null : null; // "<@a.example:>" in MAIL FROM is the null sender, as Postfix
        }

        int at = LocalPartEnd(text, out string? local);
        if (local is null)
            return null;
        if (at == text.Length)
            return new MailAddress(local, null);
        if (text[at] != '@')
            return null;
        var domain = text[(at + 1)..];
        // One trailing dot is allowed (trivial-rewrite strips it), not "..", as Postfix.
        var checkedDomain = domain.EndsWith('.') && !domain.EndsWith("..", StringComparison.Ordinal) ? domain[..^1] : domain;
        if (!IsMailDomain(checkedDomain) && !IsAddressLiteral(checkedDomain))
            return null;
        if (!smtpUtf8 && !Ascii.IsValid(domain))
            return null;
        return new MailAddress(local, domain);
    }

    /// <summary>Reads the local part; returns the index after it and the unquoted text (null on error).</summary>
    private static int LocalPartEnd(string s, out string? local)
    {
        local = null;
        if (s.Length == 0)
            return 0;
        if (s[0] == '"')
        {
            var sb = new StringBuilder();
            for (int i = 1; i < s.Length; i++)
            {
                char c = s[i];
                if (c == '\\')
                {
                    if (i + 1 >= s.Length || s[i + 1] < ' ' || s[i + 1] == 127)
                        return 0;
                    sb.Append(s[++i]);
                }
                else if (c == '"')
                {
                    local = sb.ToString();
                    return i + 1;
                }
                else if (c < ' ' || c == 127)
                {
                    return 0;
                }
                else
                {
                    sb.Append(c);
                }
            }
            return 0; // unterminated quote
        }
        int end = s.LastIndexOf('@');
        if (end < 0)
            end = s.Length;
        var dotString = s[..end];
        // Postfix's RFC 822 tokenizer takes any atoms, dots and '@' before the last '@' ("a@b@c",
        // "...@c", "@c"); a bare local part must not be empty.
        if ((dotString.Length == 0 && end == s.Length) || dotString.Any(c => c != '.' && c != '@' && !IsAtext(c)))
            return 0;
        local = dotString;
        return end;
    }

    /// <summary>atext runs joined by single dots (RFC 5322 dot-atom-text; UTF-8 allowed, RFC 6531).</summary>
    public static bool IsDotAtom(string s)
    {
        if (s.Length == 0 || s[0] == '.' || s[^1] == '.')
            return false;
        char prev = '\0';
        foreach (char c in s)
        {
            if (c == '.')
            {
                if (prev == '.')
                    return false;
            }
            else if (!IsAtext(c))
            {
                return false;
            }
            prev = c;
        }
        return true;
    }

    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || AtextSpecials.Contains(c, StringComparison.Ordinal)
        || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    /// <summary>Quotes a local part: backslash before '"' and '\'.</summary>
    public static string Quote(string local)
    {
        var sb = new StringBuilder(local.Length + 2).Append('"');
        foreach (char c in local)
        {
            if (c is '"' or '\\')
                sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }

    /// <summary>sub-domain *("." sub-domain); a sub-domain is letters/digits with inner hyphens.</summary>
    public static bool IsDomain(string domain)
    {
        if (domain.Length is 0 or > 255)
            return false;
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (char c in label)
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && (c <= 127 || char.IsControl(c) || char.IsWhiteSpace(c)))
                    return false;
        }
        return true;
    }

    /// <summary>
    /// The domain of an envelope address as Postfix's trivial-rewrite accepts it (valid_hostname):
    /// labels of letters, digits, '_' and inner hyphens, at most 63 characters, 255 in all, and
    /// not all digits ("1.2.3.4" without brackets, "123"); UTF-8 labels pass (SMTPUTF8).
    /// </summary>
    public static bool IsMailDomain(string domain)
    {
        if (domain.Length is 0 or > 255)
            return false;
        bool nonNumeric = false;
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (char c in label)
            {
                if (c == '_' || char.IsAsciiLetter(c) || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c)))
                    nonNumeric = true;
                else if (!char.IsAsciiDigit(c) && c != '-')
                    return false;
            }
        }
        return nonNumeric;
    }

    /// <summary>"[" (IPv4 | "IPv6:" IPv6 | tag ":" dcontent) "]".</summary>
    public static bool IsAddressLiteral(string domain)
    {
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']')
            return false;
        var inner = domain[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            return HostAddressSyntax.IsIPv6(inner[5..]);
        if (inner.Length > 0 && char.IsAsciiDigit(inner[0]))
            return HostAddressSyntax.IsIPv4(inner);
        int colon = inner.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == inner.Length - 1)
            return false;
        foreach (char c in inner[(colon + 1)..])
            if (c is < '!' or > '~' or '[' or ']' or '\\')
                return false;
        return IsDomain(inner[..colon]);
    }
}
