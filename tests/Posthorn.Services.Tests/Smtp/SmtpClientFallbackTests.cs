using System.Net;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>Moving on to the next server (smtp_connect.c) and falling back within a session.</summary>
public sealed class SmtpClientFallbackTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static TestDnsServer TwoMx()
    {
        var dns = new TestDnsServer();
        dns.Mx["test.example"] = [(10, "mx1.test.example"), (20, "mx2.test.example")];
        dns.A["mx1.test.example"] = [IPAddress.Parse("127.0.0.2")];
        dns.A["mx2.test.example"] = [IPAddress.Parse("127.0.0.3")];
        return dns;
    }

    [Fact]
    public async Task A_4xx_recipient_is_tried_on_the_next_MX()
    {
        await using var t = new SmtpTestSupport();
        await using var backup = new TestSmtpServer(IPAddress.Parse("127.0.0.3"));
        await using var primary = new TestSmtpServer(IPAddress.Parse("127.0.0.2"), backup.Port) { RcptReply = _ => "451 4.3.0 Try later" };
        using var dns = TwoMx();
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}\nsmtp_tcp_port = {backup.Port}").DeliverAsync(
            SmtpTestSupport.Request("test.example", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.StartsWith("mx2.test.example[127.0.0.3]", r.Relay, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5xx_greeting_is_skipped_for_the_next_MX()
    {
        await using var t = new SmtpTestSupport();
        await using var backup = new TestSmtpServer(IPAddress.Parse("127.0.0.3"));
        await using var primary = new TestSmtpServer(IPAddress.Parse("127.0.0.2"), backup.Port) { Greeting = "554 5.3.2 Go away" };
        using var dns = TwoMx();
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}\nsmtp_tcp_port = {backup.Port}").DeliverAsync(
            SmtpTestSupport.Request("test.example", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
    }

    [Fact]
    public async Task A_5xx_greeting_from_the_last_server_bounces()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Greeting = "554 5.3.2 Go away" };
        var r = Assert.Single((await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.3.2 Go away", r.Reason);
    }

    [Fact]
    public async Task Stops_after_smtp_mx_session_limit_sessions()
    {
        await using var t = new SmtpTestSupport();
        await using var backup = new TestSmtpServer(IPAddress.Parse("127.0.0.3"));
        await using var primary = new TestSmtpServer(IPAddress.Parse("127.0.0.2"), backup.Port) { RcptReply = _ => "451 4.3.0 Try later" };
        using var dns = TwoMx();
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}\nsmtp_tcp_port = {backup.Port}\nsmtp_mx_session_limit = 1").DeliverAsync(
            SmtpTestSupport.Request("test.example", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal(0, backup.Connections);
    }

    [Fact]
    public async Task Level_may_delivers_in_plaintext_after_a_failed_TLS_handshake()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { BreakTls = true };
        var result = await t.Agent("smtp_tls_security_level = may").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.Equal(2, server.Connections);
        Assert.False(Assert.Single(server.Messages).Tls);
    }

    [Fact]
    public async Task Level_encrypt_defers_after_a_failed_TLS_handshake()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { BreakTls = true };
        var r = Assert.Single((await t.Agent("smtp_tls_security_level = encrypt").DeliverAsync(
            SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("Cannot start TLS: handshake failure", r.Reason);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Falls_back_to_HELO_when_EHLO_is_refused()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { NoEhlo = true };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.Contains("HELO client.test.example", server.Commands);
        Assert.Contains("MAIL FROM:<sender@client.test.example>", server.Commands);
    }
}
