using System.Text;
using MimeKit;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// <see cref="IImapSearchable"/> over a message's metadata and, parsed only when a key needs
/// it, its content (<see cref="ImapMessageContent"/>: the header alone for header keys): header values decoded from RFC 2047, body text from every text part with
/// transfer encodings and charsets undone (MimeKit), the sent date from the Date: header.
/// </summary>
public sealed class ImapSearchableMessage(ImapMessageInfo info, ImapMessageContent content) : IImapSearchable
{
    private string? _body;

    /// <summary>A message whose content comes from a parser of the whole message.</summary>
    public ImapSearchableMessage(ImapMessageInfo info, Func<ImapMessageStructure> content)
        : this(info, new ImapMessageContent(content))
    {
    }

    /// <summary>The header alone (header keys, the sent date): the body is not parsed for them.</summary>
    private MimeMessage Header => content.Header.Message;

    /// <inheritdoc/>
    public uint SequenceNumber => info.SequenceNumber;

    /// <inheritdoc/>
    public uint Uid => info.Uid;

    /// <inheritdoc/>
    public IReadOnlyCollection<string> Flags => info.Flags;

    /// <inheritdoc/>
    public DateTimeOffset InternalDate => info.InternalDate;

    /// <inheritdoc/>
    public long Size => info.Size;

    /// <inheritdoc/>
    public ulong ModSeq => info.ModSeq;

    /// <inheritdoc/>
    public DateTimeOffset? SentDate => Header.Headers.Contains(HeaderId.Date) && Header.Date != DateTimeOffset.MinValue ? Header.Date : null;

    /// <inheritdoc/>
    public IEnumerable<string> HeaderValues(string field) => RawHeaderFields.Values(content.RawHeader, field);

    /// <inheritdoc/>
    public string HeaderText()
    {
        var sb = new StringBuilder();
        foreach (var h in Header.Headers)
        {
            sb.Append(h.Field).Append(": ").Append(h.Value).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public string BodyText()
    {
        if (_body is not null)
        {
            return _body;
        }

        if (PlainText() is { } plain)
        {
            return _body = plain;
        }

        var sb = new StringBuilder();
        foreach (var part in content.Message.BodyParts.OfType<TextPart>())
        {
            try
            {
                sb.Append(part.Text).Append('\n');
            }
            catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException)
            {
                // An undecodable part simply does not match.
            }
        }

        return _body = sb.ToString();
    }

    /// <summary>
    /// The body of a single-part text message in 7bit/8bit/binary and UTF-8 or US-ASCII: the
    /// octets after the header as they are, with no MIME parse (what MimeKit would decode them to).
    /// </summary>
    private string? PlainText()
    {
        var body = Header.Body;
        if (body is not TextPart part || body is MessagePart || (part.ContentType.Charset is { } cs
                && !cs.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !cs.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (part.ContentTransferEncoding is not (ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary))
        {
            return null;
        }

        var text = content.Section(new BodySection([], SectionText.Text, []));
        if (text is not { } octets || !System.Text.Unicode.Utf8.IsValid(octets.Span))
        {
            return null;
        }

        return Encoding.UTF8.GetString(octets.Span) + "\n";
    }
}
