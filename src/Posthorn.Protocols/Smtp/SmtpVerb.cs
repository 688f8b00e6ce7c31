namespace Posthorn.Protocols.Smtp;

/// <summary>The SMTP (RFC 5321) and LMTP (RFC 2033) command verbs the server recognizes.</summary>
public enum SmtpVerb
{
    Unknown,
    Helo,
    Ehlo,
    Lhlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Vrfy,
    Etrn,
    Help,
    StartTls,
    Auth,
}
