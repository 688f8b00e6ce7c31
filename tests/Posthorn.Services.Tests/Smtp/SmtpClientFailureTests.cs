using System.Net;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>Misbehaving servers: every recipient is deferred, never lost, never reported delivered.</summary>
public sealed class SmtpClientFailureTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_garbage_reply_defers()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { GarbageAfterMail = "hello there, I am not SMTP" };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.All(result.Recipients, r =>
        {
            Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
            Assert.Contains("hello there, I am not SMTP", r.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_server_that_stalls_past_the_timeout_defers()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { StallAfterMail = true };
        var result = await t.Agent("smtp_mail_timeout = 1s").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.4.2", r.DsnStatus);
        Assert.Equal("conversation with 127.0.0.1[127.0.0.1] timed out while sending MAIL FROM", r.Reason);
    }

    [Fact]
    public async Task A_connection_dropped_in_DATA_defers()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { DropInData = true };
        var content = "Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 20000));
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", content, ["a@test.example", "b@test.example"]), None);

        Assert.All(result.Recipients, r =>
        {
            Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
            Assert.Equal("4.4.2", r.DsnStatus);
            Assert.StartsWith("lost connection with 127.0.0.1[127.0.0.1] while sending ", r.Reason, StringComparison.Ordinal);
        });
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task A_4xx_greeting_defers_as_refused_to_talk()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Greeting = "421 4.3.2 Service shutting down" };
        var r = Assert.Single((await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.3.2 Service shutting down", r.Reason);
    }

    [Fact]
    public async Task A_5xx_end_of_data_reply_bounces_every_accepted_recipient()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { DotReply = _ => "554 5.7.1 Message rejected as spam" };
        var result = await t.Agent().DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example", "b@test.example"), None);

        Assert.All(result.Recipients, r =>
        {
            Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
            Assert.Equal("host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Message rejected as spam (in reply to end of DATA command)", r.Reason);
        });
    }

    [Fact]
    public async Task A_queue_file_read_error_defers_and_sends_no_end_of_data()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var request = SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example") with { OpenContent = () => new BrokenStream() };
        var r = Assert.Single((await t.Agent().DeliverAsync(request, None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.StartsWith("error reading message content", r.Reason, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("Input/output error");
    }
}
