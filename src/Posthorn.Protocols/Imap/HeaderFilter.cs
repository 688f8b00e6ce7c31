using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// BODY[HEADER.FIELDS (...)] and BODY[HEADER.FIELDS.NOT (...)] (RFC 3501 section 6.4.5): the
/// header fields whose names are (or are not) listed, byte-exact with their continuation lines,
/// in message order, followed by the blank line that ends a header.
/// </summary>
internal static class HeaderFilter
{
    public static ReadOnlyMemory<byte> Filter(ReadOnlySpan<byte> header, IReadOnlyList<string> fields, bool exclude)
    {
        var output = new ArrayBufferWriter<byte>(header.Length + 2);
        var include = false;
        var at = 0;
        while (at < header.Length)
        {
            var lineEnd = header[at..].IndexOf((byte)'\n');
            var next = lineEnd < 0 ? header.Length : at + lineEnd + 1;
            var line = header[at..next];
            var content = line.TrimEnd("\r\n"u8);
            if (content.IsEmpty)
            {
                break;
            }

            if (content[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = content.IndexOf((byte)':');
                var name = colon < 0 ? "" : Encoding.ASCII.GetString(content[..colon]).TrimEnd(' ', '\t');
                var listed = fields.Any(f => f.Equals(name, StringComparison.OrdinalIgnoreCase));
                include = colon > 0 && listed != exclude;
            }

            if (include)
            {
                output.Write(line);
                if (line[^1] != (byte)'\n')
                {
                    output.Write("\r\n"u8);
                }
            }

            at = next;
        }

        output.Write("\r\n"u8);
        return output.WrittenMemory;
    }
}
