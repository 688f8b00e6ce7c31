using System.Net;
using Posthorn.EndToEnd.Tests.Support;
using Posthorn.Services.Tests.SmtpClient;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// smtp(8) in a running Posthorn (issue 6, "Must show"): mail submitted to smtpd is relayed to
/// test receivers found through MX records served by dnsmasq: the backup MX when the primary is
/// down, 4xx deferred then delivered on `postqueue -f`, 5xx for one recipient of three bounced
/// once to the sender's mailbox, TLS under `may` with a self-signed certificate and refused under
/// `verify`, and the backup MX rule (never relay to an MX at or above our own preference).
/// </summary>
public sealed class SmtpRelayEndToEndTests
{
    private static readonly IPAddress Mx1 = IPAddress.Parse("127.0.6.2");
    private static readonly IPAddress Mx2 = IPAddress.Parse("127.0.6.3");

    private static string[] TwoMx(string domain = "example.test") =>
    [
        $"--mx-host={domain},mx1.{domain},10", $"--mx-host={domain},mx2.{domain},20",
        $"--host-record=mx1.{domain},{Mx1}", $"--host-record=mx2.{domain},{Mx2}",
    ];

    private static async Task<ReceivedMessage> WaitForMessage(TestSmtpServer server, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (server.Messages.TryPeek(out var m))
                return m;
            await Task.Delay(50);
        }
        throw new TimeoutException("no message arrived");
    }

    [Fact]
    public async Task Primary_MX_down_sends_to_the_backup_MX()
    {
        using var sys = new OutboundSystem(TwoMx());
        await using var backup = new TestSmtpServer(Mx2, sys.RemotePort);
        sys.Submit("sender@local.test", ["user@example.test"], "via backup");

        var m = await WaitForMessage(backup);
        Assert.Equal(["user@example.test"], m.Recipients);
        Assert.Contains("Subject: via backup", m.Content, StringComparison.Ordinal);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        Assert.Contains($"connect to mx1.example.test[{Mx1}]:{sys.RemotePort}: Connection refused", sys.Log, StringComparison.Ordinal);
        sys.AssertLog($@"to=<user@example.test>, relay=mx2\.example\.test\[{Mx2}\]:{sys.RemotePort}, .*status=sent \(250 2\.0\.0 Ok: queued as TEST1\)");
    }

    [Fact]
    public async Task Temporary_4xx_is_deferred_then_delivered_on_retry()
    {
        using var sys = new OutboundSystem(TwoMx());
        int calls = 0;
        await using var mx1 = new TestSmtpServer(Mx1, sys.RemotePort)
        {
            RcptReply = r => Interlocked.Increment(ref calls) <= 1 ? $"450 4.2.0 <{r}>: Recipient address rejected: Greylisted" : "250 2.1.5 Ok",
        };
        await using var mx2 = new TestSmtpServer(Mx2, sys.RemotePort)
        {
            RcptReply = r => Interlocked.Increment(ref calls) <= 2 ? $"451 4.3.0 <{r}>: try again later" : "250 2.1.5 Ok",
        };
        sys.Submit("sender@local.test", ["user@example.test"], "greylisted");
        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        Assert.Contains($"said: 451 4.3.0 <user@example.test>: try again later (in reply to RCPT TO command)", sys.Log, StringComparison.Ordinal);
        Assert.Empty(mx1.Messages);
        Assert.Empty(mx2.Messages);
        Assert.Equal(1, sys.QueuedCount());

        sys.Flush();
        var m = await WaitForMessage(mx1);
        Assert.Equal(["user@example.test"], m.Recipients);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        Assert.True(sys.WaitForLog(": removed"), sys.Log);
        Assert.Empty(sys.SenderMailbox());
    }

    [Fact]
    public async Task A_5xx_for_one_recipient_of_three_bounces_once_and_delivers_two()
    {
        using var sys = new OutboundSystem(TwoMx());
        await using var mx1 = new TestSmtpServer(Mx1, sys.RemotePort)
        {
            RcptReply = r => r.StartsWith("bad", StringComparison.Ordinal) ? $"550 5.1.1 <{r}>: Recipient address rejected: User unknown" : "250 2.1.5 Ok",
        };
        sys.Submit("sender@local.test", ["one@example.test", "bad@example.test", "two@example.test"], "three recipients");

        var m = await WaitForMessage(mx1);
        Assert.Equal(["one@example.test", "two@example.test"], m.Recipients);
        var mail = sys.WaitForSenderMail(1);
        var bounce = Assert.Single(mail);
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", bounce, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; bad@example.test", bounce, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", bounce, StringComparison.Ordinal);
        Assert.DoesNotContain("one@example.test", bounce.Split("Final-Recipient")[0].Split("Reporting-MTA")[^1], StringComparison.Ordinal);
        var log = sys.Log;
        Assert.Equal(2, MailSystem.Count(log, "status=sent (250 2.0.0 Ok: queued as TEST1)"));
        sys.AssertLog(@"to=<bad@example\.test>, relay=mx1\.example\.test\[127\.0\.6\.2\]:\d+, .*dsn=5\.1\.1, status=bounced \(host mx1\.example\.test\[127\.0\.6\.2\] said: 550 5\.1\.1");
        Thread.Sleep(500);
        Assert.Single(sys.SenderMailbox());
    }

    [Fact]
    public async Task TLS_may_delivers_to_a_self_signed_receiver_over_TLS()
    {
        using var sys = new OutboundSystem(TwoMx(), "smtp_tls_security_level = may\n");
        await using var mx1 = new TestSmtpServer(Mx1, sys.RemotePort) { Certificate = TestSmtpServer.SelfSigned("mx1.example.test") };
        sys.Submit("sender@local.test", ["user@example.test"], "over tls");

        var m = await WaitForMessage(mx1);
        Assert.True(m.Tls);
        Assert.Contains("STARTTLS", mx1.Commands, StringComparer.Ordinal);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        Assert.Contains($"Untrusted TLS connection established to mx1.example.test[{Mx1}]:{sys.RemotePort}: TLSv1.", sys.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TLS_verify_refuses_a_self_signed_receiver_and_defers()
    {
        using var sys = new OutboundSystem(TwoMx(), "smtp_tls_security_level = verify\n");
        await using var mx1 = new TestSmtpServer(Mx1, sys.RemotePort) { Certificate = TestSmtpServer.SelfSigned("mx1.example.test") };
        sys.Submit("sender@local.test", ["user@example.test"], "must verify");

        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        sys.AssertLog(@"to=<user@example\.test>, relay=mx\d\.example\.test.*dsn=4\.7\.5, status=deferred \(.*[Ss]erver certificate not verified");
        Assert.Empty(mx1.Messages);
        Assert.DoesNotContain("MAIL FROM", string.Join('\n', mx1.Commands), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, sys.QueuedCount());
    }

    [Fact]
    public async Task Eight_bit_mail_is_converted_to_quoted_printable_for_a_receiver_without_8BITMIME()
    {
        using var sys = new OutboundSystem(TwoMx());
        await using var mx1 = new TestSmtpServer(Mx1, sys.RemotePort) { Keywords = ["PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES"] };
        sys.SubmitData("sender@local.test", ["user@example.test"],
            "From: sender@local.test\nTo: user@example.test\nSubject: 8bit\nMIME-Version: 1.0\n"
            + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\u00fc\u00dfe aus K\u00f6ln\n");

        var m = await WaitForMessage(mx1);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", m.Content, StringComparison.Ordinal);
        Assert.Contains("Gr=C3=BC=C3=9Fe aus K=C3=B6ln", m.Content, StringComparison.Ordinal);
        Assert.True(System.Text.Ascii.IsValid(m.Content));
        Assert.DoesNotContain(mx1.Commands, c => c.Contains("BODY=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backup_MX_skips_MX_hosts_at_or_above_its_own_preference()
    {
        if (!MailSystem.IsRoot)
            return; // the rule applies on port 25 only; binding the receivers there needs root
        var mx3 = IPAddress.Parse("127.0.6.4");
        using var sys = new OutboundSystem(
        [
            "--mx-host=backup.test,mx1.backup.test,10", "--mx-host=backup.test,self.backup.test,20", "--mx-host=backup.test,mx3.backup.test,30",
            $"--host-record=mx1.backup.test,{Mx1}", "--host-record=self.backup.test,127.0.0.1", $"--host-record=mx3.backup.test,{mx3}",
        ], remotePort: 25);
        await using var worse = new TestSmtpServer(mx3, 25);
        sys.Submit("sender@local.test", ["user@backup.test"], "backup mx");

        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        Assert.Contains($"connect to mx1.backup.test[{Mx1}]:25: Connection refused", sys.Log, StringComparison.Ordinal);
        Assert.Equal(0, worse.Connections);

        await using var primary = new TestSmtpServer(Mx1, 25);
        sys.Flush();
        var m = await WaitForMessage(primary);
        Assert.Equal(["user@backup.test"], m.Recipients);
        Assert.Equal(0, worse.Connections);
    }
}
