namespace Posthorn.Protocols.Imap;

/// <summary>
/// Hard limits of the IMAP command reader, filled by the imapd service from main.cf. Defaults
/// follow Dovecot: imap_max_line_length = 64k for the command text (literals excluded), literals
/// up to message_size_limit (10240000, Postfix's default) since APPEND carries a whole message,
/// and parenthesised lists nested at most 32 deep.
/// </summary>
public sealed record ImapLimits
{
    /// <summary>Maximum octets of command text, excluding literal data (Dovecot's imap_max_line_length).</summary>
    public int MaxLineLength { get; init; } = 65536;

    /// <summary>Maximum octets of one literal and of all literals of one command (Postfix's message_size_limit).</summary>
    public long MaxLiteralSize { get; init; } = 10240000;

    /// <summary>Maximum nesting of parenthesised lists.</summary>
    public int MaxListDepth { get; init; } = 32;
}
