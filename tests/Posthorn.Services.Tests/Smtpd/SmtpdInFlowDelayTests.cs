using System.Diagnostics;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>in_flow_delay (postconf(5)): a new message waits for a flow token before cleanup takes it.</summary>
public sealed class SmtpdInFlowDelayTests
{
    private static async Task MailFromAsync(SmtpdClient c)
    {
        Assert.StartsWith("220 ", await c.ReadReplyAsync());
        Assert.Equal("250 mail.example.com", await c.CommandAsync("HELO client.example.org"));
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<alice@example.org>"));
    }

    [Fact]
    public async Task First_recipient_pauses_in_flow_delay_when_the_queue_manager_is_behind()
    {
        using var f = new SmtpdFixture("in_flow_delay = 1s");
        using var qmgr = f.Directory.Flow.Produce();
        await using var c = f.Connect();
        await MailFromAsync(c);
        var watch = Stopwatch.StartNew();
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(900), $"RCPT answered after {watch.Elapsed}");
        // Only the message's first recipient waits: cleanup is opened once per message.
        watch.Restart();
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<carol@example.com>"));
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(900), $"second RCPT answered after {watch.Elapsed}");
    }

    [Fact]
    public async Task First_recipient_takes_a_flow_token_when_there_is_one()
    {
        using var f = new SmtpdFixture("in_flow_delay = 1s");
        using var qmgr = f.Directory.Flow.Produce();
        f.Directory.Flow.Put(5);
        await using var c = f.Connect();
        await MailFromAsync(c);
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<carol@example.com>"));
        Assert.Equal(4, f.Directory.Flow.Count);
    }

    [Fact]
    public async Task Zero_in_flow_delay_takes_no_token()
    {
        using var f = new SmtpdFixture("in_flow_delay = 0");
        using var qmgr = f.Directory.Flow.Produce();
        f.Directory.Flow.Put(5);
        await using var c = f.Connect();
        await MailFromAsync(c);
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.Equal(5, f.Directory.Flow.Count);
    }
}
