namespace Posthorn.Core.Queue;

/// <summary>
/// A recipient to write into a queue file: the address (internal form), the original recipient
/// (as received, before rewriting; Postfix's ORCP), and the DSN (RFC 3461) NOTIFY list
/// (e.g. "SUCCESS,FAILURE", or "NEVER") and ORCPT ("rfc822;user@example.com").
/// </summary>
public sealed record QueueRecipientSpec(string Address, string? OriginalRecipient = null,
    string? DsnNotify = null, string? DsnOrcpt = null);

/// <summary>
/// A recipient read from a queue file: its data, whether it is done (delivered or bounced; never
/// to be delivered again), and the file offset of its record's type byte, which
/// <see cref="QueueFileUpdater.MarkDone"/> rewrites in place.
/// </summary>
public sealed record QueueRecipient(string Address, string? OriginalRecipient, string? DsnNotify,
    string? DsnOrcpt, bool Done, long Offset, bool Extracted);

/// <summary>Attribute names of the envelope, as Postfix's MAIL_ATTR_* names them.</summary>
public static class QueueAttributes
{
    public const string ClientName = "client_name";
    public const string ClientAddress = "client_address";
    public const string ClientPort = "client_port";
    public const string ReverseClientName = "reverse_client_name";
    public const string HeloName = "helo_name";
    public const string ProtocolName = "protocol_name";
    public const string SaslMethod = "sasl_method";
    public const string SaslUsername = "sasl_username";
    public const string SaslSender = "sasl_sender";
    public const string Encoding = "encoding";
    public const string SmtpUtf8 = "smtputf8";
    public const string RewriteContext = "rewrite_context";
    public const string LogIdent = "log_ident";
}
