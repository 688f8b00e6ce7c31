using System.Text;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// xtext (RFC 3461 section 4): printable ASCII except "+" and "=" stands for itself; "+XX"
/// (two upper-case hex digits; lower case is accepted on input) encodes any other byte.
/// Used by ENVID=, ORCPT= and AUTH=.
/// </summary>
public static class XText
{
    /// <summary>Decodes xtext; false when the text is not valid xtext.</summary>
    public static bool TryDecode(string text, out string decoded)
    {
        decoded = "";
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                    return false;
                bytes.Add((byte)(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
                i += 2;
            }
            else if (c is >= '!' and <= '~' && c != '=')
            {
                bytes.Add((byte)c);
            }
            else
            {
                return false;
            }
        }
        var array = bytes.ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(array))
            return false;
        decoded = Encoding.UTF8.GetString(array);
        return true;
    }

    /// <summary>Encodes text as xtext (for the SMTP client's ORCPT= and ENVID=).</summary>
    public static string Encode(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)'!' and <= (byte)'~' && b != (byte)'+' && b != (byte)'=')
                sb.Append((char)b);
            else
                sb.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) =>
        c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
