using System.Net;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>The smtp(8) client against scripted servers and a test DNS server on loopback.</summary>
public sealed class SmtpDeliveryAgentTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Delivers_to_a_literal_host_and_port_with_dot_stuffing()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "b@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("2.0.0", r.DsnStatus);
        Assert.Equal("250 2.0.0 Ok: queued as TEST1", r.Reason);
        Assert.Equal($"127.0.0.1[127.0.0.1]:{server.Port}", r.Relay);
        var m = Assert.Single(server.Messages);
        Assert.Equal(SmtpTestSupport.Content, m.Content);
        Assert.Equal("sender@client.test.example", m.Sender);
        Assert.Contains(server.Commands, c => c == "EHLO client.test.example");
        Assert.Contains(server.Commands, c => c.StartsWith("MAIL FROM:<sender@client.test.example> SIZE=", StringComparison.Ordinal));
        Assert.False(result.SiteFailed);
    }

    [Fact]
    public async Task Uses_the_backup_MX_when_the_primary_is_down()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Parse("127.0.0.3"));
        using var dns = new TestDnsServer();
        dns.Mx["test.example"] = [(10, "mx1.test.example"), (20, "mx2.test.example")];
        dns.A["mx1.test.example"] = [IPAddress.Parse("127.0.0.2")];
        dns.A["mx2.test.example"] = [IPAddress.Parse("127.0.0.3")];
        var agent = t.Agent($"posthorn_dns_servers = {dns.Endpoint}\nsmtp_tcp_port = {server.Port}\n");

        var result = await agent.DeliverAsync(SmtpTestSupport.Request("test.example", "b@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal($"mx2.test.example[127.0.0.3]:{server.Port}", r.Relay);
        Assert.Contains($"connect to mx1.test.example[127.0.0.2]:{server.Port}: Connection refused", t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defers_on_a_4xx_reply()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { RcptReply = _ => "450 4.2.0 <b@test.example>: Mailbox busy" };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "b@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.2.0", r.DsnStatus);
        Assert.Equal("host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <b@test.example>: Mailbox busy (in reply to RCPT TO command)", r.Reason);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Bounces_one_recipient_of_three_and_delivers_the_others()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback)
        {
            RcptReply = r => r.StartsWith("bad", StringComparison.Ordinal) ? $"550 5.1.1 <{r}>: Recipient address rejected: User unknown" : "250 2.1.5 Ok",
        };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "bad@test.example", "c@test.example"), None);

        Assert.Equal([DeliveryOutcome.Delivered, DeliveryOutcome.Bounced, DeliveryOutcome.Delivered], result.Recipients.Select(r => r.Outcome));
        var bad = result.Recipients[1];
        Assert.Equal("5.1.1", bad.DsnStatus);
        Assert.Equal("host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <bad@test.example>: Recipient address rejected: User unknown (in reply to RCPT TO command)", bad.Reason);
        Assert.Equal(["a@test.example", "c@test.example"], Assert.Single(server.Messages).Recipients);
    }

    [Fact]
    public async Task Pipelines_MAIL_RCPT_and_DATA_when_offered()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.Contains(server.Reads, r => r.Contains("MAIL FROM:", StringComparison.Ordinal)
            && r.Contains("RCPT TO:<a@test.example>", StringComparison.Ordinal)
            && r.Contains("RCPT TO:<b@test.example>", StringComparison.Ordinal) && r.Contains("DATA\r\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Waits_for_each_reply_without_PIPELINING()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Keywords = ["8BITMIME"] };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.All(result.Recipients, r => Assert.Equal(DeliveryOutcome.Delivered, r.Outcome));
        Assert.DoesNotContain(server.Reads, r => r.Contains("MAIL FROM:", StringComparison.Ordinal) && r.Contains("RCPT TO:", StringComparison.Ordinal));
        Assert.Contains(server.Commands, c => c == "MAIL FROM:<sender@client.test.example> BODY=8BITMIME" || c == "MAIL FROM:<sender@client.test.example>");
    }

    [Fact]
    public async Task A_5xx_reply_to_MAIL_FROM_bounces_every_recipient()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { MailReply = _ => "553 5.7.1 <sender@client.test.example>: Sender address rejected" };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.All(result.Recipients, r =>
        {
            Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
            Assert.EndsWith("(in reply to MAIL FROM command)", r.Reason, StringComparison.Ordinal);
        });
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Bounces_a_message_over_the_server_SIZE_limit_without_sending_it()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Keywords = ["PIPELINING", "SIZE 100"] };
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", SmtpTestSupport.Content, ["a@test.example"], size: 5000);
        var r = Assert.Single((await t.Agent().DeliverAsync(request, None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.3.4", r.DsnStatus);
        Assert.Equal("message size 5000 exceeds size limit 100 of server 127.0.0.1[127.0.0.1]", r.Reason);
        Assert.DoesNotContain(server.Commands, c => c.StartsWith("MAIL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Passes_DSN_parameters_when_the_server_offers_DSN()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example") with
        {
            EnvelopeId = "env 1",
            Return = Posthorn.Services.Bounce.DsnReturn.Headers,
            Recipients = [new DeliveryRecipient(0, "a@test.example", DsnOriginalRecipient: "rfc822;A@test.example", Notify: Posthorn.Services.Bounce.DsnNotify.Success | Posthorn.Services.Bounce.DsnNotify.Failure)],
        };
        await t.Agent().DeliverAsync(request, None);

        Assert.Contains(server.Commands, c => c.Contains(" RET=HDRS ENVID=env+201", StringComparison.Ordinal));
        Assert.Contains(server.Commands, c => c == "RCPT TO:<a@test.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;A@test.example");
    }

    [Fact]
    public async Task Connection_refused_defers_and_marks_the_site_failed()
    {
        await using var t = new SmtpTestSupport();
        int port;
        await using (var s = new TestSmtpServer(IPAddress.Loopback))
            port = s.Port;
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{port}", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.4.1", r.DsnStatus);
        Assert.Equal($"connect to 127.0.0.1[127.0.0.1]:{port}: Connection refused", r.Reason);
        Assert.True(result.SiteFailed);
    }

    [Fact]
    public async Task Falls_back_to_smtp_fallback_relay()
    {
        await using var t = new SmtpTestSupport();
        await using var relay = new TestSmtpServer(IPAddress.Loopback);
        int port;
        await using (var s = new TestSmtpServer(IPAddress.Loopback))
            port = s.Port;
        var result = await t.Agent($"smtp_fallback_relay = [127.0.0.1]:{relay.Port}").DeliverAsync(
            SmtpTestSupport.Request($"[127.0.0.1]:{port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.Single(relay.Messages);
    }

    [Fact]
    public async Task Reuses_a_cached_connection_after_RSET()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var agent = t.Agent("smtp_connection_cache_on_demand = yes");
        var nexthop = $"[127.0.0.1]:{server.Port}";
        await agent.DeliverAsync(SmtpTestSupport.Request(nexthop, "a@test.example"), None);
        var second = await agent.DeliverAsync(SmtpTestSupport.Request(nexthop, "b@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(second.Recipients).Outcome);
        Assert.Equal(1, server.Connections);
        Assert.Contains("RSET", server.Commands);
        Assert.Equal(2, server.Messages.Count);
    }

    [Fact]
    public async Task A_null_MX_bounces()
    {
        await using var t = new SmtpTestSupport();
        using var dns = new TestDnsServer();
        dns.Mx["nomail.example"] = [(0, ".")];
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}").DeliverAsync(SmtpTestSupport.Request("nomail.example", "a@nomail.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("Domain nomail.example does not accept mail (nullMX)", r.Reason);
    }

    [Fact]
    public async Task A_DNS_server_failure_defers()
    {
        await using var t = new SmtpTestSupport();
        using var dns = new TestDnsServer();
        dns.ServFail.Add("broken.example");
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}").DeliverAsync(SmtpTestSupport.Request("broken.example", "a@broken.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.4.3", r.DsnStatus);
        Assert.StartsWith("Host or domain name not found. Name service error for name=broken.example type=MX", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_without_MX_falls_back_to_its_address()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Parse("127.0.0.4"));
        using var dns = new TestDnsServer();
        dns.A["plain.example"] = [IPAddress.Parse("127.0.0.4")];
        var result = await t.Agent($"posthorn_dns_servers = {dns.Endpoint}\nsmtp_tcp_port = {server.Port}").DeliverAsync(
            SmtpTestSupport.Request("plain.example", "a@plain.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal($"plain.example[127.0.0.4]:{server.Port}", r.Relay);
    }
}
