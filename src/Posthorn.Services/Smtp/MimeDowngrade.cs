using MimeKit;
using MimeKit.IO;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// 8BITMIME to 7BIT conversion for a server that does not announce 8BITMIME (smtp(8), the
/// <c>disable_mime_output_conversion</c> parameter; RFC 6152 section 3): every MIME part that
/// declares <c>Content-Transfer-Encoding: 8bit</c> (or <c>binary</c>) is re-encoded,
/// quoted-printable for text and message parts and base64 for others, and a multipart or
/// message/rfc822 wrapper declaring 8bit is relabelled 7bit. As in Postfix, content without an
/// 8-bit declaration (a non-MIME message) is left as it is, and so is a message with no 8-bit
/// byte at all. Parsing and writing use MimeKit, which keeps unchanged headers and parts byte
/// for byte; content MimeKit cannot parse is sent unchanged rather than lost.
/// </summary>
internal static class MimeDowngrade
{
    /// <summary>The content to send: converted when it has 8-bit bytes, else the original bytes.</summary>
    public static Stream Open(Stream content)
    {
        var original = new MemoryStream();
        using (content)
            content.CopyTo(original);
        original.Position = 0;
        if (!HasEightBit(original.GetBuffer().AsSpan(0, (int)original.Length)))
            return original;
        try
        {
            var message = MimeMessage.Load(original);
            if (!Downgrade(message.Body))
            {
                original.Position = 0;
                return original;
            }
            var converted = new MemoryStream();
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            message.WriteTo(options, converted);
            converted.Position = 0;
            original.Dispose();
            return converted;
        }
        catch (FormatException)
        {
            original.Position = 0;
            return original;
        }
    }

    private static bool HasEightBit(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0;

    /// <summary>Converts the 8-bit parts under <paramref name="entity"/>; true when anything changed.</summary>
    private static bool Downgrade(MimeEntity? entity)
    {
        bool changed = false;
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                    changed |= Downgrade(child);
                changed |= Relabel(multipart);
                break;
            case MessagePart messagePart:
                changed |= Downgrade(messagePart.Message?.Body);
                changed |= Relabel(messagePart);
                break;
            case MimePart part when part.ContentTransferEncoding is ContentEncoding.EightBit or ContentEncoding.Binary:
                part.ContentTransferEncoding = part.ContentType.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase)
                    ? ContentEncoding.QuotedPrintable
                    : ContentEncoding.Base64;
                changed = true;
                break;
        }
        return changed;
    }

    /// <summary>A composite entity declaring 8bit or binary is declared 7bit once its parts are converted.</summary>
    private static bool Relabel(MimeEntity entity)
    {
        var cte = entity.Headers[HeaderId.ContentTransferEncoding];
        if (cte is null || !(cte.Trim().Equals("8bit", StringComparison.OrdinalIgnoreCase) || cte.Trim().Equals("binary", StringComparison.OrdinalIgnoreCase)))
            return false;
        entity.Headers[HeaderId.ContentTransferEncoding] = "7bit";
        return true;
    }
}
