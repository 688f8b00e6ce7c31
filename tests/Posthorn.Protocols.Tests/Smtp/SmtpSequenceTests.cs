using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpSequenceTests
{
    private static string? Reply(SmtpSequence s, SmtpVerb verb) => s.Check(verb)?.ToString().TrimEnd();

    [Fact]
    public void MAIL_needs_HELO_first_when_smtpd_helo_required()
    {
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", Reply(new SmtpSequence(heloRequired: true), SmtpVerb.Mail));
        Assert.Null(Reply(new SmtpSequence(heloRequired: false), SmtpVerb.Mail));
    }

    [Fact]
    public void Nested_MAIL_is_refused()
    {
        var s = new SmtpSequence();
        s.OnMail();
        Assert.Equal("503 5.5.1 Error: nested MAIL command", Reply(s, SmtpVerb.Mail));
    }

    [Fact]
    public void RCPT_needs_MAIL() => Assert.Equal("503 5.5.1 Error: need MAIL command", Reply(new SmtpSequence(), SmtpVerb.Rcpt));

    [Fact]
    public void DATA_needs_RCPT()
    {
        var s = new SmtpSequence();
        Assert.Equal("503 5.5.1 Error: need RCPT command", Reply(s, SmtpVerb.Data));
        s.OnMail();
        Assert.Equal("554 5.5.1 Error: no valid recipients", Reply(s, SmtpVerb.Data));
        s.OnRcptAccepted();
        Assert.Null(Reply(s, SmtpVerb.Data));
    }

    [Fact]
    public void Recipients_past_smtpd_recipient_limit_are_refused()
    {
        var s = new SmtpSequence(recipientLimit: 2);
        s.OnMail();
        s.OnRcptAccepted();
        s.OnRcptAccepted();
        Assert.Equal("452 4.5.3 Error: too many recipients", Reply(s, SmtpVerb.Rcpt));
    }

    [Fact]
    public void Only_BDAT_may_follow_a_BDAT_chunk()
    {
        var s = new SmtpSequence();
        s.OnMail();
        s.OnRcptAccepted();
        s.OnBdatChunk(last: false);
        Assert.Equal("503 5.5.1 Error: DATA after BDAT", Reply(s, SmtpVerb.Data));
        Assert.Equal("503 5.5.1 Error: MAIL after BDAT", Reply(s, SmtpVerb.Mail));
        Assert.Equal("503 5.5.1 Error: RCPT after BDAT", Reply(s, SmtpVerb.Rcpt));
        Assert.Null(Reply(s, SmtpVerb.Bdat));
        s.OnBdatChunk(last: true);
        Assert.False(s.InTransaction);
        Assert.Null(Reply(s, SmtpVerb.Mail));
    }

    [Fact]
    public void ETRN_and_AUTH_are_refused_inside_a_transaction()
    {
        var s = new SmtpSequence(heloRequired: true);
        Assert.Equal("503 Error: send HELO/EHLO first", Reply(s, SmtpVerb.Etrn));
        s.OnHelo();
        Assert.Null(Reply(s, SmtpVerb.Etrn));
        s.OnMail();
        Assert.Equal("503 Error: MAIL transaction in progress", Reply(s, SmtpVerb.Etrn));
        Assert.Equal("503 5.5.1 Error: MAIL transaction in progress", Reply(s, SmtpVerb.Auth));
    }

    [Fact]
    public void Second_AUTH_and_second_STARTTLS_are_refused()
    {
        var s = new SmtpSequence();
        s.OnAuthenticated();
        Assert.Equal("503 5.5.1 Error: already authenticated", Reply(s, SmtpVerb.Auth));
        s.OnTlsStarted();
        Assert.Equal("554 5.5.1 Error: TLS already active", Reply(s, SmtpVerb.StartTls));
    }

    [Fact]
    public void STARTTLS_forgets_HELO_and_authentication()
    {
        var s = new SmtpSequence(heloRequired: true);
        s.OnHelo();
        s.OnAuthenticated();
        s.OnTlsStarted();
        Assert.False(s.HeloSeen);
        Assert.False(s.Authenticated);
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", Reply(s, SmtpVerb.Mail));
    }

    [Fact]
    public void RSET_and_HELO_end_the_transaction()
    {
        var s = new SmtpSequence();
        s.OnMail();
        s.OnRcptAccepted();
        s.Reset();
        Assert.False(s.InTransaction);
        Assert.Equal(0, s.RecipientCount);
        s.OnMail();
        s.OnHelo();
        Assert.False(s.InTransaction);
    }

    [Fact]
    public void AUTH_needs_HELO_first_when_smtpd_helo_required() =>
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", Reply(new SmtpSequence(heloRequired: true), SmtpVerb.Auth));
}
