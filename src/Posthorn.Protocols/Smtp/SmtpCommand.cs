namespace Posthorn.Protocols.Smtp;

/// <summary>MAIL FROM BODY= values (RFC 1652 8BITMIME, RFC 3030 BINARYMIME).</summary>
public enum BodyType
{
    None,
    SevenBit,
    EightBitMime,
    BinaryMime,
}

/// <summary>MAIL FROM RET= values (RFC 3461 section 4.3).</summary>
public enum DsnRet
{
    None,
    Full,
    Hdrs,
}

/// <summary>RCPT TO NOTIFY= values (RFC 3461 section 4.1); NEVER excludes the others.</summary>
[Flags]
public enum DsnNotify
{
    None = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>The ESMTP parameters of a MAIL FROM command, decoded (xtext already undone).</summary>
public sealed record MailParameters
{
    /// <summary>SIZE= (RFC 1870), or null when not given.</summary>
    public long? Size { get; init; }

    public BodyType Body { get; init; }

    public DsnRet Ret { get; init; }

    /// <summary>ENVID= (RFC 3461), xtext-decoded.</summary>
    public string? Envid { get; init; }

    /// <summary>The SMTPUTF8 keyword (RFC 6531) was given.</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>AUTH= (RFC 4954 section 5), xtext-decoded; "&lt;&gt;" when the client said so.</summary>
    public string? Auth { get; init; }
}

/// <summary>The ESMTP parameters of a RCPT TO command (RFC 3461).</summary>
public sealed record RcptParameters
{
    public DsnNotify Notify { get; init; }

    /// <summary>ORCPT= address type, e.g. "rfc822", or null when ORCPT was not given.</summary>
    public string? OrcptType { get; init; }

    /// <summary>ORCPT= address, xtext-decoded.</summary>
    public string? OrcptAddress { get; init; }
}

/// <summary>
/// One parsed SMTP/LMTP command. <see cref="Path"/> is the MAIL FROM / RCPT TO path exactly as
/// the client wrote it (e.g. <c>&lt;user@example.com&gt;</c>); its syntax is checked by
/// Posthorn.Core.Addressing.MailAddress, which smtpd calls next.
/// </summary>
public sealed record SmtpCommand(SmtpVerb Verb, string VerbText, string Argument)
{
    public string? Path { get; init; }
    public MailParameters? Mail { get; init; }
    public RcptParameters? Rcpt { get; init; }

    /// <summary>BDAT chunk size (RFC 3030).</summary>
    public long BdatSize { get; init; }

    /// <summary>BDAT ... LAST.</summary>
    public bool BdatLast { get; init; }
}

/// <summary>A parse outcome: a command, or the reply that rejects the line.</summary>
public readonly record struct SmtpParseResult(SmtpCommand? Command, SmtpReply? Error)
{
    public bool IsError => Error is not null;

    public static SmtpParseResult Ok(SmtpCommand command) => new(command, null);

    public static SmtpParseResult Fail(SmtpReply reply) => new(null, reply);
}
