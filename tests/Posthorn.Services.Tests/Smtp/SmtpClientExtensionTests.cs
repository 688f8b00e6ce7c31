using System.Net;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.SmtpClient;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>ESMTP extensions the client uses only when offered, and configuration defaults.</summary>
public sealed class SmtpClientExtensionTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Starts_with_Postfix_defaults(bool lmtp)
    {
        await using var agent = new SmtpDeliveryAgent(MainConfig.FromText(""), lmtp, MailLog.Null, lmtp ? "lmtp" : "smtp");
        Assert.NotNull(agent);
    }

    [Fact]
    public async Task Sends_BODY_8BITMIME_for_8bit_mail_when_offered()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example") with { EightBit = true };
        await t.Agent().DeliverAsync(request, None);

        Assert.Contains(server.Commands, c => c.StartsWith("MAIL FROM:<sender@client.test.example>", StringComparison.Ordinal) && c.EndsWith(" BODY=8BITMIME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Does_not_send_mail_needing_SMTPUTF8_to_a_server_without_it()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "jörg@test.example") with { SmtpUtf8 = true };
        var r = Assert.Single((await t.Agent().DeliverAsync(request, None)).Recipients);

        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.6.7", r.DsnStatus);
        Assert.StartsWith("message requires SMTPUTF8, but no server was found that supports SMTPUTF8", r.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Sends_SMTPUTF8_when_offered()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Keywords = ["PIPELINING", "8BITMIME", "SMTPUTF8"] };
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "jörg@test.example") with { SmtpUtf8 = true };
        var r = Assert.Single((await t.Agent().DeliverAsync(request, None)).Recipients);

        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Contains(server.Commands, c => c.EndsWith(" SMTPUTF8", StringComparison.Ordinal));
        Assert.Contains("RCPT TO:<jörg@test.example>", server.Commands);
    }

    [Fact]
    public async Task Leaves_out_keywords_in_smtp_discard_ehlo_keywords()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        await t.Agent("smtp_discard_ehlo_keywords = pipelining, size").DeliverAsync(
            SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.Contains("MAIL FROM:<sender@client.test.example>", server.Commands);
        Assert.DoesNotContain(server.Reads, r => r.Contains("MAIL FROM:", StringComparison.Ordinal) && r.Contains("RCPT TO:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quotes_a_local_part_that_needs_quoting()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "john smith@test.example"), None);

        Assert.Contains("RCPT TO:<\"john smith\"@test.example>", server.Commands);
    }

    [Fact]
    public async Task A_cached_connection_closed_by_the_server_is_replaced()
    {
        await using var t = new SmtpTestSupport();
        var agent = t.Agent("smtp_connection_cache_on_demand = yes");
        int port;
        await using (var first = new TestSmtpServer(IPAddress.Loopback))
        {
            port = first.Port;
            await agent.DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{port}", "a@test.example"), None);
        }
        await using var second = new TestSmtpServer(IPAddress.Loopback, port);
        var r = Assert.Single((await agent.DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{port}", "b@test.example"), None)).Recipients);

        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Single(second.Messages);
    }
}
