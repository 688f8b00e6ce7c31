using System.Text;
using MimeKit;
using Posthorn.Core.Config;
using Posthorn.Services.Bounce;

namespace Posthorn.Services.Tests.Bounce;

public class DsnMessageWriterTests
{
    private static readonly MainConfig Config = MainConfig.FromText("""
        myhostname = mail.example.com
        mail_name = Posthorn
        bounce_size_limit = 50000
        maximal_queue_lifetime = 5d
        delay_warning_time = 4h
        bounce_queue_lifetime = 5d
        bounce_template_file =
        """);

    private const string Original = "From: sender@example.org\r\nTo: kdent@example.com\r\nSubject: Have you read RFC 2822?\r\nMessage-ID: <01a4e2238200842@mail.oreilly.com>\r\n\r\nThis is the start of the body.\r\n";

    private static MimeMessage Bounce(BounceRequest request)
    {
        using var ms = new MemoryStream();
        new DsnMessageWriter(Config).Write(request, ms);
        ms.Position = 0;
        return MimeMessage.Load(ms);
    }

    private static BounceRequest Request(BounceTemplateKind kind = BounceTemplateKind.Failure, DsnReturn ret = DsnReturn.Full) =>
        new("5FA26B3DFE", "info@oreilly.com", new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero),
            [new RecipientStatus("kdent@example.com", "5.1.1", "failed", "host mx.example.com[192.0.2.25] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
                RemoteMtaType: "dns", RemoteMta: "mx.example.com", DiagnosticType: "smtp", DiagnosticText: "550 5.1.1 User unknown")],
            kind, ret, EnvelopeId: "ENV42", OriginalMessageId: "<01a4e2238200842@mail.oreilly.com>",
            MessageSize: Original.Length, OpenOriginal: () => new MemoryStream(Encoding.ASCII.GetBytes(Original)));

    [Fact]
    public void Failure_report_is_a_three_part_multipart_report()
    {
        var m = Bounce(Request());
        Assert.Equal("Undelivered Mail Returned to Sender", m.Subject);
        Assert.Equal("MAILER-DAEMON@mail.example.com", m.From.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", m.Headers["Auto-Submitted"]);
        var report = Assert.IsType<MultipartReport>(m.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.IsType<TextPart>(report[0]);
        Assert.Contains("<kdent@example.com>: host mx.example.com[192.0.2.25] said: 550 5.1.1", ((TextPart)report[0]).Text, StringComparison.Ordinal);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; mail.example.com", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.Equal("ENV42", status.StatusGroups[0]["Original-Envelope-Id"]);
        Assert.Equal("5FA26B3DFE", status.StatusGroups[0]["X-Posthorn-Queue-ID"]);
        Assert.Equal("rfc822; kdent@example.com", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("dns; mx.example.com", status.StatusGroups[1]["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 User unknown", status.StatusGroups[1]["Diagnostic-Code"]);
        var returned = Assert.IsType<MessagePart>(report[2]);
        Assert.Equal("Have you read RFC 2822?", returned.Message!.Subject);
        Assert.Equal("<01a4e2238200842@mail.oreilly.com>", m.Headers["In-Reply-To"]);
    }

    [Fact]
    public void From_follows_header_from_format_and_Date_comes_first()
    {
        var m = Bounce(Request());
        Assert.Equal("Mail Delivery System", m.From.Mailboxes.Single().Name);
        Assert.Equal("Date", m.Headers[0].Field);
        Assert.Equal("From", m.Headers[1].Field);
        using var ms = new MemoryStream();
        new DsnMessageWriter(MainConfig.FromText("header_from_format = obsolete\nmyorigin = example.com")).Write(Request(), ms);
        Assert.Contains("From: MAILER-DAEMON@example.com (Mail Delivery System)\r\n", Encoding.ASCII.GetString(ms.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mail Delivery System <MAILER-DAEMON>", "Mail Delivery System <MAILER-DAEMON@example.org>")]
    [InlineData("MAILER-DAEMON (Mail Delivery System)", "MAILER-DAEMON@example.org (Mail Delivery System)")]
    [InlineData("postmaster@example.net", "postmaster@example.net")]
    public void Unqualified_From_gets_myorigin(string from, string expected) =>
        Assert.Equal(expected, DsnMessageWriter.QualifyFrom(from, "example.org"));

    [Fact]
    public void With_smtputf8_enable_the_notice_is_8bit_utf8()
    {
        using var ms = new MemoryStream();
        new DsnMessageWriter(MainConfig.FromText("smtputf8_enable = yes")).Write(Request(), ms);
        var text = Encoding.ASCII.GetString(ms.ToArray());
        Assert.Contains("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Ret_hdrs_returns_only_the_headers()
    {
        var m = Bounce(Request(ret: DsnReturn.Headers));
        var part = Assert.IsType<TextRfc822Headers>(((MultipartReport)m.Body!)[2]);
        Assert.Equal("Have you read RFC 2822?", part.Message!.Subject);
        Assert.DoesNotContain("start of the body", part.Message.TextBody ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Message_over_bounce_size_limit_returns_headers_only()
    {
        var m = Bounce(Request() with { MessageSize = 60000 });
        Assert.Equal("text/rfc822-headers", ((MultipartReport)m.Body!)[2].ContentType.MimeType);
    }

    [Fact]
    public void Delay_notice_says_delayed_and_when_retries_end()
    {
        var r = Request(BounceTemplateKind.Delay);
        r = r with { Recipients = [r.Recipients[0] with { Action = "delayed", Status = "4.4.1" }] };
        var m = Bounce(r);
        Assert.Equal("Delayed Mail (still being retried)", m.Subject);
        var report = (MultipartReport)m.Body!;
        var status = (MessageDeliveryStatus)report[1];
        Assert.Equal("delayed", status.StatusGroups[1]["Action"]);
        Assert.StartsWith("Sun, 29 Nov 2026", status.StatusGroups[1]["Will-Retry-Until"], StringComparison.Ordinal);
        Assert.Contains("after 4 hour(s)", ((TextPart)report[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_reasons_wrap_at_79_columns_with_indent()
    {
        var r = Request();
        r = r with { Recipients = [r.Recipients[0] with { Reason = string.Join(' ', Enumerable.Repeat("word", 40)) }] };
        using var ms = new MemoryStream();
        new DsnMessageWriter(Config).Write(r, ms);
        var lines = Encoding.UTF8.GetString(ms.ToArray()).Split("\r\n");
        Assert.All(lines.Where(l => !l.StartsWith("boundary", StringComparison.Ordinal)), l => Assert.True(l.Length <= 79 || l.StartsWith('\t'), l));
        Assert.Contains(lines, l => l.StartsWith("    word", StringComparison.Ordinal));
    }

    [Fact]
    public void Template_file_overrides_the_failure_template()
    {
        var templates = BounceTemplates.Parse("""
            # site template
            failure_template = <<EOF
            Charset: us-ascii
            From: MAILER-DAEMON (Postmaster of $myhostname)
            Subject: Bounced

            Sorry, $myhostname could not deliver your mail.
            EOF
            """, "/etc/posthorn/bounce.cf");
        var t = Assert.Single(templates);
        Assert.Equal("Bounced", t.Subject);
        Assert.Equal("Sorry, mail.example.com could not deliver your mail.", BounceTemplates.Expand(t, Config).Single());
    }

    [Fact]
    public void Template_without_end_marker_names_file_and_line()
    {
        var e = Assert.Throws<ConfigException>(() => BounceTemplates.Parse("failure_template = <<EOF\nSubject: x\n", "/etc/posthorn/bounce.cf"));
        Assert.StartsWith("/etc/posthorn/bounce.cf:1:", e.Message, StringComparison.Ordinal);
    }
}
