using Posthorn.Services.Smtpd;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Tests.Smtpd;

public sealed class SmtpdTranscriptTests
{
    [Fact]
    public void Notice_has_postfix_headers_and_in_out_lines()
    {
        var t = new SmtpdTranscript();
        t.Out("220 mail.example.com ESMTP");
        t.In("EHLO client");
        t.Out("250-mail.example.com\r\n250 PIPELINING\r\n");
        t.Errors.Add(ErrorClass.Software);
        var text = t.Notice("Postfix", "mail.example.com", "postmaster", "client[192.0.2.1]", null);
        Assert.StartsWith("From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\nTo: postmaster (Postmaster)\nSubject: Postfix SMTP server: errors from client[192.0.2.1]\n\nTranscript of session follows.\n\n", text, StringComparison.Ordinal);
        Assert.Contains(" Out: 220 mail.example.com ESMTP\n In:  EHLO client\n Out: 250-mail.example.com\n Out: 250 PIPELINING\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\nFor other details, see the local mail logfile\n", text, StringComparison.Ordinal);
        Assert.Equal(["software"], t.ErrorNames);
    }

    [Fact]
    public void Long_lines_wrap_and_control_characters_print_as_question_marks()
    {
        var t = new SmtpdTranscript();
        t.In("MAIL FROM:<a\u0001b@example.com> " + string.Join(' ', Enumerable.Repeat("word", 30)));
        var text = t.Notice("Postfix", "h", "postmaster", "c", "lost connection");
        Assert.Contains(" In:  MAIL FROM:<a?b@example.com> word", text, StringComparison.Ordinal);
        Assert.Contains("\n    word", text, StringComparison.Ordinal);
        Assert.Contains("Session aborted, reason: lost connection\n", text, StringComparison.Ordinal);
        t.Reset();
        Assert.Equal(0, t.Count);
    }
}
