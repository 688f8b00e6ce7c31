using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Mailbox names on the IMAP wire: modified UTF-7 (RFC 3501 section 5.1.3) unless the client
/// enabled UTF8=ACCEPT (RFC 6855), when names travel as UTF-8; and a validator that refuses names
/// which could escape a user's mail store or confuse it (NUL and control characters, a leading
/// separator, empty, "." or ".." components, "/" when it is not the separator, a leading "~",
/// over-long names). The mail store has its own check of store paths; the two should be unified.
/// </summary>
public static class ImapMailboxName
{
    /// <summary>The maximum name length in UTF-8 octets (Dovecot's MAILBOX_LIST_NAME_MAX_LENGTH is 4096; components stay under 255 for file systems).</summary>
    public const int MaxLength = 1024;

    /// <summary>The maximum length of one hierarchy component in UTF-8 octets.</summary>
    public const int MaxComponentLength = 255;

    private const string Base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// <summary>Encodes a Unicode name in modified UTF-7.</summary>
    public static string EncodeModifiedUtf7(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        var i = 0;
        while (i < name.Length)
        {
            var c = name[i];
            if (c is >= ' ' and <= '~')
            {
                sb.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }

            var start = i;
            while (i < name.Length && name[i] is < ' ' or > '~')
            {
                i++;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(name.Substring(start, i - start));
            sb.Append('&');
            var bits = 0;
            var buffer = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 6)
                {
                    bits -= 6;
                    sb.Append(Base64Chars[(buffer >> bits) & 0x3f]);
                }
            }

            if (bits > 0)
            {
                sb.Append(Base64Chars[(buffer << (6 - bits)) & 0x3f]);
            }

            sb.Append('-');
        }

        return sb.ToString();
    }

    /// <summary>Decodes modified UTF-7; false for malformed or non-canonical input (8-bit octets, bad base64, "&amp;" runs of printable ASCII, unpaired surrogates).</summary>
    public static bool TryDecodeModifiedUtf7(string wire, out string name)
    {
        name = "";
        var sb = new StringBuilder(wire.Length);
        var i = 0;
        var lastWasEncoded = false;
        while (i < wire.Length)
        {
            var c = wire[i];
            if (c is < ' ' or > '~')
            {
                return false;
            }

            if (c != '&')
            {
                sb.Append(c);
                i++;
                lastWasEncoded = false;
                continue;
            }

            var end = wire.IndexOf('-', i + 1);
            if (end < 0)
            {
                return false;
            }

            if (end == i + 1)
            {
                sb.Append('&');
                i = end + 1;
                lastWasEncoded = false;
                continue;
            }

            if (lastWasEncoded)
            {
                return false; // two adjacent encoded runs should have been one
            }

            var bytes = new List<byte>();
            var buffer = 0;
            var bits = 0;
            for (var j = i + 1; j < end; j++)
            {
                var v = Base64Chars.IndexOf(wire[j], StringComparison.Ordinal);
                if (v < 0)
                {
                    return false;
                }

                buffer = (buffer << 6) | v;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }

            if (bits >= 6 || (buffer & ((1 << bits) - 1)) != 0 || bytes.Count % 2 != 0)
            {
                return false;
            }

            string decoded;
            try
            {
                decoded = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            }
            catch (ArgumentException)
            {
                return false;
            }

            if (decoded.Any(ch => ch is >= ' ' and <= '~'))
            {
                return false; // printable ASCII must not be encoded
            }

            sb.Append(decoded);
            i = end + 1;
            lastWasEncoded = true;
        }

        name = sb.ToString();
        return true;
    }

    /// <summary>The name as sent to the client.</summary>
    public static string ToWire(string name, bool utf8Accept) => utf8Accept ? name : EncodeModifiedUtf7(name);

    /// <summary>
    /// Turns a name from a command into a store name and validates it. With UTF8=ACCEPT the name
    /// is UTF-8 as is (RFC 6855 section 3); otherwise modified UTF-7 is decoded (Dovecot also
    /// refuses names that are not valid modified UTF-7).
    /// </summary>
    public static bool TryFromWire(string wire, bool utf8Accept, char separator, out string name, out string? error)
    {
        name = wire;
        if (!utf8Accept && !TryDecodeModifiedUtf7(wire, out name))
        {
            error = "Mailbox name is not valid mUTF-7";
            return false;
        }

        error = Validate(name, separator);
        return error is null;
    }

    /// <summary>Null when the (decoded) name is safe to hand to the mail store; otherwise why not.</summary>
    public static string? Validate(string name, char separator = '/')
    {
        if (name.Length == 0)
        {
            return "Empty mailbox name.";
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxLength)
        {
            return "Mailbox name too long.";
        }

        if (name.Any(c => c < ' ' || c == 0x7f))
        {
            return "Mailbox name contains control characters.";
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return "Mailbox name is not valid Unicode.";
            }
        }

        if (name[0] == separator || name[0] == '/')
        {
            return "Mailbox name must not begin with the hierarchy separator.";
        }

        if (name[0] == '~')
        {
            return "Mailbox name must not begin with '~'.";
        }

        if (separator != '/' && name.Contains('/', StringComparison.Ordinal))
        {
            return "Mailbox name must not contain '/'.";
        }

        var trimmed = name.EndsWith(separator) ? name[..^1] : name;
        foreach (var component in trimmed.Split(separator))
        {
            if (component.Length == 0)
            {
                return "Mailbox name contains an empty hierarchy component.";
            }

            if (component is "." or "..")
            {
                return "Mailbox name contains '.' or '..' components.";
            }

            if (Encoding.UTF8.GetByteCount(component) > MaxComponentLength)
            {
                return "Mailbox name component too long.";
            }
        }

        return null;
    }
}
