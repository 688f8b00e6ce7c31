using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Pop3;

/// <summary>Writes a <see cref="Pop3Reply"/> to a stream: status line, then any multi-line body dot-stuffed and terminated.</summary>
public static class Pop3ReplyWriter
{
    /// <summary>Writes the reply and disposes its message stream, if any.</summary>
    public static async ValueTask WriteAsync(Pop3Reply reply, Stream output, CancellationToken cancellationToken = default)
    {
        var head = new ArrayBufferWriter<byte>(256);
        EncodingExtensions.GetBytes(Encoding.UTF8, reply.StatusLine.AsSpan(), head);
        head.Write("\r\n"u8);
        if (reply.Lines is not null)
        {
            Pop3DotStuffingWriter.WriteLines(reply.Lines, head);
        }

        await output.WriteAsync(head.WrittenMemory, cancellationToken);
        if (reply.Content is { } content)
        {
            await using (content)
            {
                await Pop3DotStuffingWriter.CopyAsync(content, output, reply.TopLines, cancellationToken);
            }
        }
    }
}
