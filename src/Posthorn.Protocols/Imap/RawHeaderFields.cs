using MimeKit.Utils;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// SEARCH HEADER over the raw top-level header octets (RFC 3501 section 6.4.4), without building
/// a MimeKit message: the fields with the given name (ASCII case-insensitive), each value with
/// its continuation lines, decoded from RFC 2047 and unfolded as MimeKit's Header.Value does.
/// The scan stops at the empty line, or at a line that is neither a field nor a continuation
/// (where MimeKit's parser ends the header too).
/// </summary>
internal static class RawHeaderFields
{
    public static List<string> Values(ReadOnlySpan<byte> header, string field)
    {
        var values = new List<string>();
        var at = 0;
        while (at < header.Length)
        {
            var next = NextLine(header, at);
            var line = header[at..next].TrimEnd("\r\n"u8);
            if (line.IsEmpty)
            {
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                at = next;
                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                break;
            }

            var end = next;
            while (end < header.Length && header[end] is (byte)' ' or (byte)'\t')
            {
                end = NextLine(header, end);
            }

            if (NameIs(line[..colon].TrimEnd(" \t"u8), field))
            {
                var raw = header[(at + colon + 1)..end].ToArray();
                values.Add(MimeKit.Header.Unfold(Rfc2047.DecodeText(raw)));
            }

            at = end;
        }

        return values;
    }

    private static int NextLine(ReadOnlySpan<byte> header, int at)
    {
        var lf = header[at..].IndexOf((byte)'\n');
        return lf < 0 ? header.Length : at + lf + 1;
    }

    private static bool NameIs(ReadOnlySpan<byte> name, string field)
    {
        if (name.Length != field.Length)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (char.ToLowerInvariant((char)name[i]) != char.ToLowerInvariant(field[i]))
            {
                return false;
            }
        }

        return true;
    }
}
