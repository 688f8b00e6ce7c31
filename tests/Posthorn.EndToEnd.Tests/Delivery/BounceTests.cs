using System.Text;
using MimeKit;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// bounce(8) through a running system: an undeliverable message comes back to the sender's
/// mailbox as an RFC 3464 multipart/report (report-type=delivery-status, a human-readable part,
/// message/delivery-status with Reporting-MTA, Final-Recipient, Action: failed, Status 5.x.x,
/// then the original message or only its headers per RET), parsed with MimeKit; and a bounce
/// that cannot be returned is sent to 2bounce_notice_recipient when notify_classes has 2bounce,
/// and is dropped otherwise (postconf(5) notify_classes).
/// </summary>
public sealed class BounceTests
{
    internal static MimeMessage LastMessage(string mbox)
    {
        int at = mbox.LastIndexOf("\nFrom ", StringComparison.Ordinal);
        var one = at < 0 ? mbox : mbox[(at + 1)..];
        one = one[(one.IndexOf('\n', StringComparison.Ordinal) + 1)..]; // drop the From_ line
        return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(one)));
    }

    internal static (HeaderList PerMessage, HeaderList PerRecipient) Dsn(MimeMessage m)
    {
        var report = Assert.IsType<MultipartReport>(m.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report.OfType<MimeEntity>().ElementAt(1));
        Assert.True(status.StatusGroups.Count >= 2);
        return (status.StatusGroups[0], status.StatusGroups[1]);
    }

    [Fact]
    public void Unknown_local_user_bounces_with_an_RFC_3464_report_and_the_whole_message()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var alice = lab.AddUser("alice");
        lab.Start();
        lab.Sendmail(alice, ["nosuchuser"], "Subject: lost\nMessage-ID: <lost@example.test>\n\nthe body\n");

        var m = LastMessage(lab.WaitForMbox(Path.Combine(lab.Spool, alice)));
        Assert.Equal("Undelivered Mail Returned to Sender", m.Subject);
        Assert.Equal("MAILER-DAEMON@mail.example.test", m.From.Mailboxes.Single().Address);
        Assert.Contains("Return-Path: <>", LastRaw(lab, alice), StringComparison.Ordinal);
        Assert.Equal("<lost@example.test>", m.Headers["In-Reply-To"]);
        var report = Assert.IsType<MultipartReport>(m.Body);
        var parts = report.OfType<MimeEntity>().ToList();
        Assert.Equal(3, parts.Count);
        Assert.Equal("text/plain", parts[0].ContentType.MimeType);
        Assert.Contains("could not be delivered", ((TextPart)parts[0]).Text, StringComparison.Ordinal);
        var (msg, rcpt) = Dsn(m);
        Assert.Equal("dns; mail.example.test", msg["Reporting-MTA"]);
        Assert.Equal("rfc822; nosuchuser@example.test", rcpt["Final-Recipient"]);
        Assert.Matches("^rfc822; ?nosuchuser", rcpt["Original-Recipient"]);
        Assert.Equal("failed", rcpt["Action"]);
        Assert.Equal("5.1.1", rcpt["Status"]);
        Assert.Contains("unknown user", rcpt["Diagnostic-Code"], StringComparison.Ordinal);
        var original = Assert.IsType<MessagePart>(parts[2]);
        Assert.Equal("message/rfc822", original.ContentType.MimeType);
        Assert.Equal("lost", original.Message!.Subject);
        Assert.Contains("the body", original.Message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Failing_command_bounces_and_RET_HDRS_returns_only_the_headers()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var alice = lab.AddUser("alice");
        var broken = lab.AddUser("broken");
        DeliveryLab.WriteOwned(Path.Combine(lab.Home(broken), ".forward"), "\"|echo no such mailbox here; exit 1\"\n", broken);
        lab.Start();
        lab.Send($"{alice}@example.test", [$"{broken}@example.test"], "Subject: headers only\n\nsecret body\n",
            mailParams: " RET=HDRS ENVID=env-42", rcptParams: $" NOTIFY=FAILURE ORCPT=rfc822;{broken}@example.test");

        var m = LastMessage(lab.WaitForMbox(Path.Combine(lab.Spool, alice)));
        var parts = Assert.IsType<MultipartReport>(m.Body).OfType<MimeEntity>().ToList();
        var (msg, rcpt) = Dsn(m);
        Assert.Equal("env-42", msg["Original-Envelope-Id"]);
        Assert.Equal("failed", rcpt["Action"]);
        Assert.Equal("5.3.0", rcpt["Status"]);
        Assert.Contains("no such mailbox here", rcpt["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Equal("text/rfc822-headers", parts[2].ContentType.MimeType);
        var headers = ((MessagePart)parts[2]).Message!.ToString();
        Assert.Contains("Subject: headers only", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("secret body", headers, StringComparison.Ordinal);
    }

    [Fact]
    public void Double_bounce_goes_to_postmaster_with_2bounce_and_is_dropped_without()
    {
        if (!DeliveryLab.Available)
            return;
        foreach (var notify in new[] { "resource, software, 2bounce", "resource, software" })
        {
            using var lab = new DeliveryLab($"notify_classes = {notify}\n");
            var admin = lab.AddUser("admin");
            var broken = lab.AddUser("broken");
            File.WriteAllText(lab.AliasesPath, $"postmaster: {admin}\n");
            DeliveryLab.WriteOwned(Path.Combine(lab.Home(broken), ".forward"), "\"|exit 1\"\n", broken);
            lab.Start();
            // The sender does not exist: the bounce to it bounces too.
            lab.Sendmail("ghost@example.test", [broken], "Subject: nobody home\n\nx\n");

            Assert.True(lab.Ms.WaitForLog("to=<ghost@example.test>", 30_000), lab.Log);
            Assert.Contains("status=bounced (unknown user: \"ghost\")", lab.Log, StringComparison.Ordinal);
            var adminBox = Path.Combine(lab.Spool, admin);
            if (notify.Contains("2bounce", StringComparison.Ordinal))
            {
                var m = LastMessage(lab.WaitForMbox(adminBox));
                Assert.Equal("Postmaster Copy: Undelivered Mail", m.Subject); // bounce(5) postmaster_subject
                Assert.Contains("postmaster non-delivery notification", lab.Log, StringComparison.Ordinal);
                var (_, rcpt) = Dsn(m);
                Assert.Equal("rfc822; ghost@example.test", rcpt["Final-Recipient"]);
                // The failed notice goes to postmaster whole, not truncated after the headers (postconf(5) 2bounce).
                var whole = ((MultipartReport)m.Body!).OfType<MimeEntity>().ElementAt(2);
                Assert.Equal("message/rfc822", whole.ContentType.MimeType);
                Assert.Equal("Undelivered Mail Returned to Sender", ((MessagePart)whole).Message!.Subject);
            }
            else
            {
                Assert.True(DeliveryLab.WaitFor(() => lab.Queue("mailq").Stdout.Contains("Mail queue is empty", StringComparison.Ordinal)), lab.Queue("mailq").Stdout + lab.Log);
                Thread.Sleep(500);
                Assert.False(File.Exists(adminBox), DeliveryLab.ReadOrEmpty(adminBox));
            }
        }
    }

    private static string LastRaw(DeliveryLab lab, string user) => File.ReadAllText(Path.Combine(lab.Spool, user));
}
