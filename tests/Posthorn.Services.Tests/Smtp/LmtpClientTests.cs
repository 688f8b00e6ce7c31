using System.Net;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>lmtp(8): LHLO, and one reply per accepted recipient after the end of data.</summary>
public sealed class LmtpClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static TestSmtpServer MixedServer(IPAddress address, string? unixPath = null) => new(address, 0, unixPath)
    {
        Lmtp = true,
        Greeting = "220 lmtp.test.example LMTP",
        DotReply = r => r.StartsWith("full", StringComparison.Ordinal) ? $"452 4.2.2 <{r}> Mailbox full"
            : r.StartsWith("gone", StringComparison.Ordinal) ? $"550 5.1.1 <{r}> User unknown" : $"250 2.0.0 <{r}> Saved",
    };

    [Fact]
    public async Task Reports_each_recipient_from_its_own_reply_after_DATA()
    {
        await using var t = new SmtpTestSupport();
        await using var server = MixedServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"inet:127.0.0.1:{server.Port}", "ok@test.example", "full@test.example", "gone@test.example") with { Transport = "lmtp" };
        var result = await t.Agent(lmtp: true).DeliverAsync(request, None);

        Assert.Equal([DeliveryOutcome.Delivered, DeliveryOutcome.Deferred, DeliveryOutcome.Bounced], result.Recipients.Select(r => r.Outcome));
        Assert.Equal("250 2.0.0 <ok@test.example> Saved", result.Recipients[0].Reason);
        Assert.Equal("host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <full@test.example> Mailbox full (in reply to end of DATA command)", result.Recipients[1].Reason);
        Assert.Equal("5.1.1", result.Recipients[2].DsnStatus);
        Assert.Contains("LHLO client.test.example", server.Commands);
    }

    [Fact]
    public async Task Delivers_over_a_unix_domain_socket()
    {
        await using var t = new SmtpTestSupport();
        var path = Path.Combine(t.Dir, "lmtp.sock");
        await using var server = MixedServer(IPAddress.Loopback, path);
        var request = SmtpTestSupport.Request($"unix:{path}", "ok@test.example", "gone@test.example") with { Transport = "lmtp" };
        var result = await t.Agent(lmtp: true).DeliverAsync(request, None);

        Assert.Equal([DeliveryOutcome.Delivered, DeliveryOutcome.Bounced], result.Recipients.Select(r => r.Outcome));
        Assert.Equal($"client.test.example[{path}]", result.Recipients[0].Relay);
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task Uses_lmtp_lhlo_name()
    {
        await using var t = new SmtpTestSupport();
        await using var server = MixedServer(IPAddress.Loopback);
        await t.Agent("lmtp_lhlo_name = lhlo.test.example", lmtp: true).DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "ok@test.example"), None);

        Assert.Contains("LHLO lhlo.test.example", server.Commands);
    }
}
