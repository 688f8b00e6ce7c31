namespace Posthorn.Services.SmtpClient;

/// <summary>
/// The stages of a client conversation with the words Postfix's smtp(8) uses for them: what it
/// was doing when a connection was lost or timed out ("lost connection with X while sending
/// RCPT TO") and which command a reply answered ("(in reply to RCPT TO command)").
/// </summary>
internal sealed record SmtpStage(string While, string InReplyTo)
{
    public static readonly SmtpStage Greeting = new("receiving the initial server greeting", "initial server greeting");
    public static readonly SmtpStage Ehlo = new("performing the EHLO handshake", "EHLO command");
    public static readonly SmtpStage Helo = new("performing the HELO handshake", "HELO command");
    public static readonly SmtpStage Lhlo = new("performing the LHLO handshake", "LHLO command");
    public static readonly SmtpStage StartTls = new("receiving the STARTTLS response", "STARTTLS command");
    public static readonly SmtpStage Auth = new("performing the AUTH handshake", "AUTH command");
    public static readonly SmtpStage Mail = new("sending MAIL FROM", "MAIL FROM command");
    public static readonly SmtpStage Rcpt = new("sending RCPT TO", "RCPT TO command");
    public static readonly SmtpStage Data = new("sending DATA command", "DATA command");
    public static readonly SmtpStage Body = new("sending message body", "end of DATA command");
    public static readonly SmtpStage Dot = new("sending end of data -- message may be sent more than once", "end of DATA command");
    public static readonly SmtpStage Rset = new("sending RSET probe", "RSET probe");
    public static readonly SmtpStage Quit = new("sending QUIT", "QUIT command");

    /// <summary>Finds the stage by its <see cref="While"/> text (what <see cref="SmtpSessionException"/> carries).</summary>
    public static SmtpStage ByWhile(string where) =>
        new[] { Greeting, Ehlo, Helo, Lhlo, StartTls, Auth, Mail, Rcpt, Data, Body, Dot, Rset, Quit }
            .FirstOrDefault(s => s.While == where) ?? new SmtpStage(where, where);
}
