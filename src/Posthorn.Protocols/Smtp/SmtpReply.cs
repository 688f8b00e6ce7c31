using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// An SMTP reply (RFC 5321 section 4.2): a three-digit code, an optional enhanced status code
/// (RFC 3463, e.g. <c>5.1.3</c>) and one or more text lines. Formats itself as Postfix does:
/// <c>250-first</c> ... <c>250 last</c>, each line carrying the enhanced code, lines ending CRLF.
/// Replies are values returned by parsers and services, never exceptions. A CR or LF inside a
/// line (say, from client-supplied text) is written as a space, so a reply can never be split.
/// </summary>
public sealed record SmtpReply(int Code, string? EnhancedStatus, IReadOnlyList<string> Lines)
{
    /// <summary>A one-line reply.</summary>
    public SmtpReply(int code, string? enhancedStatus, string text) : this(code, enhancedStatus, [text]) { }

    /// <summary>True for 2xx and 3xx replies.</summary>
    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>True for 4xx replies (temporary failure).</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>True for 5xx replies (permanent failure).</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>The reply as one string, lines joined by CRLF, with the final CRLF.</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());

    /// <summary>The reply on the wire.</summary>
    public byte[] ToBytes()
    {
        var writer = new ArrayBufferWriter<byte>(64);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the reply to <paramref name="output"/> in wire form.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        var lines = Lines.Count == 0 ? [""] : Lines;
        for (int i = 0; i < lines.Count; i++)
        {
            bool last = i == lines.Count - 1;
            var text = string.IsNullOrEmpty(EnhancedStatus)
                ? lines[i]
                : lines[i].Length == 0 ? EnhancedStatus : EnhancedStatus + " " + lines[i];
            WriteAscii(output, Code.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            WriteAscii(output, last ? " " : "-");
            if (text.AsSpan().IndexOfAny('\r', '\n') >= 0)
                text = text.Replace('\r', ' ').Replace('\n', ' '); // no reply injection
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length) + 2);
            int n = Encoding.UTF8.GetBytes(text, span);
            span[n] = (byte)'\r';
            span[n + 1] = (byte)'\n';
            output.Advance(n + 2);
        }
    }

    private static void WriteAscii(IBufferWriter<byte> output, string s)
    {
        var span = output.GetSpan(s.Length);
        for (int i = 0; i < s.Length; i++)
            span[i] = (byte)s[i];
        output.Advance(s.Length);
    }
}
