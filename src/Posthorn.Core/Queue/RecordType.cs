namespace Posthorn.Core.Queue;

/// <summary>
/// Queue file record types (docs/queue-format.md). The letters follow Postfix's rec_type.h
/// where Posthorn has the same record, so postcat output reads familiar.
/// </summary>
public enum RecordType : byte
{
    /// <summary>Fixed-width sizes, rewritten at commit: content offset, content length, recipient count, extracted offset.</summary>
    Size = (byte)'C',

    /// <summary>Arrival time: "seconds microseconds" since the epoch.</summary>
    Time = (byte)'T',

    /// <summary>Envelope sender, internal form ("" for the null sender).</summary>
    From = (byte)'S',

    /// <summary>Named attribute "name=value" (client_name, client_address, helo_name, ...).</summary>
    Attribute = (byte)'A',

    /// <summary>DSN envelope id (RFC 3461 ENVID), decoded.</summary>
    DsnEnvid = (byte)'i',

    /// <summary>DSN RET: "FULL" or "HDRS".</summary>
    DsnRet = (byte)'<',

    /// <summary>DSN ORCPT of the next recipient: "type;address".</summary>
    DsnOrcpt = (byte)'o',

    /// <summary>DSN NOTIFY of the next recipient: comma list of NEVER, SUCCESS, FAILURE, DELAY.</summary>
    DsnNotify = (byte)'n',

    /// <summary>Original recipient of the next recipient (before aliasing/rewriting).</summary>
    OriginalRecipient = (byte)'O',

    /// <summary>A recipient still to be delivered. Rewritten in place to <see cref="Done"/>.</summary>
    Recipient = (byte)'R',

    /// <summary>A recipient already delivered (or bounced): never delivered again.</summary>
    Done = (byte)'D',

    /// <summary>Start of the message content.</summary>
    Message = (byte)'M',

    /// <summary>A run of message content bytes.</summary>
    Content = (byte)'B',

    /// <summary>Start of the extracted data (information found while reading the content).</summary>
    Extracted = (byte)'X',

    /// <summary>The end: a file without it is incomplete.</summary>
    End = (byte)'E',
}
