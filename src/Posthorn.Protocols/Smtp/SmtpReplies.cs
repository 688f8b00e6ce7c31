namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Replies whose wording follows Postfix's smtpd(8) (smtpd.c), so that clients and log tools
/// written for Postfix see the same text. Fixed replies are UTF-8 literals ready for the wire;
/// <see cref="SmtpReply"/> values are given where a parser returns a rejection.
/// </summary>
public static class SmtpReplies
{
    public static ReadOnlySpan<byte> Ok => "250 2.0.0 Ok\r\n"u8;
    public static ReadOnlySpan<byte> MailOk => "250 2.1.0 Ok\r\n"u8;
    public static ReadOnlySpan<byte> RcptOk => "250 2.1.5 Ok\r\n"u8;
    public static ReadOnlySpan<byte> StartMailInput => "354 End data with <CR><LF>.<CR><LF>\r\n"u8;
    public static ReadOnlySpan<byte> Bye => "221 2.0.0 Bye\r\n"u8;
    public static ReadOnlySpan<byte> NullBdat => "551 5.7.1 Null BDAT request\r\n"u8;
    public static ReadOnlySpan<byte> ChunkExceedsLimit => "552 5.3.4 Chunk exceeds message size limit\r\n"u8;
    public static ReadOnlySpan<byte> ReadyToStartTls => "220 2.0.0 Ready to start TLS\r\n"u8;

    public static readonly SmtpReply BadSyntax = new(500, "5.5.2", "Error: bad syntax");
    public static readonly SmtpReply BadUtf8Syntax = new(500, "5.5.2", "Error: bad UTF-8 syntax");
    public static readonly SmtpReply CommandNotRecognized = new(500, "5.5.2", "Error: command not recognized");
    public static readonly SmtpReply CommandNotImplemented = new(502, "5.5.1", "Error: command not implemented");
    public static readonly SmtpReply VrfyDisabled = new(502, "5.5.1", "VRFY command is disabled");
    public static readonly SmtpReply EtrnInvalidParameter = new(501, null, "Error: invalid parameter syntax");
    public static readonly SmtpReply MustDeclareSmtpUtf8 = new(553, "5.6.7", "Must declare SMTPUTF8 to send unicode address");
    public static readonly SmtpReply BadSenderAddress = new(501, "5.1.7", "Bad sender address syntax");
    public static readonly SmtpReply BadRecipientAddress = new(501, "5.1.3", "Bad recipient address syntax");
    public static readonly SmtpReply MailSyntax = new(501, "5.5.4", "Syntax: MAIL FROM:<address>");
    public static readonly SmtpReply RcptSyntax = new(501, "5.5.4", "Syntax: RCPT TO:<address>");
    public static readonly SmtpReply DataSyntax = new(501, "5.5.4", "Syntax: DATA");
    /// <summary>Postfix hangs up after this one: the next input would be raw content.</summary>
    public static readonly SmtpReply BdatSyntax = new(521, "5.5.4", "Syntax: BDAT count [LAST]");
    public static readonly SmtpReply RsetSyntax = new(501, "5.5.4", "Syntax: RSET");
    public static readonly SmtpReply VrfySyntax = new(501, "5.5.4", "Syntax: VRFY address");
    public static readonly SmtpReply VrfySyntaxSmtpUtf8 = new(501, "5.5.4", "Syntax: VRFY address [SMTPUTF8]");
    public static readonly SmtpReply EtrnSyntax = new(500, null, "Syntax: ETRN domain");
    public static readonly SmtpReply StartTlsSyntax = new(501, "5.5.4", "Syntax: STARTTLS");
    public static readonly SmtpReply AuthSyntax = new(501, "5.5.4", "Syntax: AUTH mechanism");
    public static readonly SmtpReply HeloSyntax = new(501, null, "Syntax: HELO hostname");
    public static readonly SmtpReply EhloSyntax = new(501, null, "Syntax: EHLO hostname");
    public static readonly SmtpReply LhloSyntax = new(501, null, "Syntax: LHLO hostname");
    public static readonly SmtpReply BadMessageSize = new(501, "5.5.4", "Bad message size syntax");
    public static readonly SmtpReply MessageSizeFileSystemLimit = new(552, "5.3.4", "Message size exceeds file system imposed limit");
    public static readonly SmtpReply MessageSizeExceedsLimit = new(552, "5.3.4", "Message size exceeds fixed limit");
    public static readonly SmtpReply BadRet = new(501, "5.5.4", "Bad RET parameter syntax");
    public static readonly SmtpReply BadEnvid = new(501, "5.5.4", "Bad ENVID parameter syntax");
    public static readonly SmtpReply BadNotify = new(501, "5.5.4", "Error: Bad NOTIFY parameter syntax");
    public static readonly SmtpReply BadOrcpt = new(501, "5.5.4", "Error: Bad ORCPT parameter syntax");
    public static readonly SmtpReply MultipleAuth = new(503, "5.5.4", "Error: multiple AUTH= options");
    public static readonly SmtpReply InsufficientStorage = new(452, "4.3.1", "Insufficient system storage");

    /// <summary>Postfix's reply to an ESMTP parameter it does not support.</summary>
    public static SmtpReply UnsupportedOption(string parameter) =>
        new(555, "5.5.4", "Unsupported option: " + parameter);

    /// <summary>An over-long command line (longer than line_length_limit); Postfix names itself.</summary>
    public static SmtpReply CommandTooLong(string myHostname) =>
        new(500, "5.5.2", myHostname + " Error: command too long");

    /// <summary>
    /// The reply for smtpd_forbid_bare_newline = reject: the code is
    /// smtpd_forbid_bare_newline_reject_code (default 550); Postfix then hangs up.
    /// </summary>
    public static SmtpReply BareNewline(int rejectCode, string myHostname) =>
        new(rejectCode, "5.5.2", myHostname + " Error: bare <LF> received");

    /// <summary>Postfix's reply to BDAT chunks after an earlier error in the same transaction.</summary>
    public static SmtpReply DiscardedAfterError(long bytes) =>
        new(551, "5.0.0", "Discarded " + bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes after earlier error");

    /// <summary>The end-of-message reply.</summary>
    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", "Ok: queued as " + queueId);
}
