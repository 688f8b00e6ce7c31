using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// The sender's full name as it goes into a generated From: header (Postfix's
/// get_fullname_hdr_text): control characters and runs of blanks become one space; ASCII
/// names become an RFC 5322 phrase (quoted when they hold specials) or, with
/// header_from_format = obsolete, comment text; names with non-ASCII characters are RFC 2047
/// encoded (UTF-8, Q encoding), as Postfix 3.8 and later do.
/// </summary>
internal static class FullName
{
    private const string Specials = "()<>[]:;@\\,.\"";

    public static string? HeaderText(string? raw, bool comment)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return null;
        var clean = string.Join(' ', raw.Split((char[])[' ', '\t', '\r', '\n', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries))
            .Where(c => c >= ' ' && c != 127).Aggregate(new StringBuilder(), (sb, c) => sb.Append(c)).ToString();
        if (clean.Length == 0)
            return null;
        if (clean.Any(c => c > 126))
            return Rfc2047(clean);
        if (comment)
            return clean.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal);
        if (!clean.Any(c => Specials.Contains(c, StringComparison.Ordinal)))
            return clean;
        return "\"" + clean.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string Rfc2047(string text)
    {
        var sb = new StringBuilder("=?utf-8?q?");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b == ' ')
                sb.Append('_');
            else if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'!' or (byte)'*' or (byte)'+' or (byte)'-' or (byte)'/')
                sb.Append((char)b);
            else
                sb.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.Append("?=").ToString();
    }
}
