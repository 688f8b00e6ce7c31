using System.Diagnostics;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

/// <summary>in_flow_delay's token counter (Postfix's mail_flow(3)), as qmgr and smtpd use it.</summary>
public sealed class MailFlowTests
{
    [Fact]
    public async Task No_pause_while_no_queue_manager_produces_tokens()
    {
        var flow = new MailFlow();
        Assert.False(await flow.TakeOrPauseAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None));
    }

    [Fact]
    public async Task A_token_is_taken_without_pause()
    {
        var flow = new MailFlow();
        using var qmgr = flow.Produce();
        flow.Put(1);
        Assert.False(await flow.TakeOrPauseAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None));
        Assert.Equal(0, flow.Count);
    }

    [Fact]
    public async Task Without_a_token_the_message_pauses_in_flow_delay_then_goes_on()
    {
        var flow = new MailFlow();
        using var qmgr = flow.Produce();
        var watch = Stopwatch.StartNew();
        Assert.True(await flow.TakeOrPauseAsync(TimeSpan.FromMilliseconds(300), null, CancellationToken.None));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"paused only {watch.Elapsed}");
        Assert.Equal(0, flow.Count);
    }

    [Fact]
    public async Task Zero_in_flow_delay_turns_flow_control_off()
    {
        var flow = new MailFlow();
        using var qmgr = flow.Produce();
        Assert.False(await flow.TakeOrPauseAsync(TimeSpan.Zero, null, CancellationToken.None));
    }

    [Fact]
    public void Queue_manager_that_read_incoming_to_its_end_fills_up_to_the_process_limit()
    {
        var flow = new MailFlow();
        flow.Replenish(fedFromIncoming: 0, incomingScanDone: true, processLimit: 100);
        Assert.Equal(100, flow.Count);
        flow.Replenish(0, true, 100);
        Assert.Equal(100, flow.Count);
    }

    [Fact]
    public void Queue_manager_behind_on_incoming_adds_one_token_per_message_it_took()
    {
        var flow = new MailFlow();
        flow.Replenish(fedFromIncoming: 3, incomingScanDone: false, processLimit: 100);
        Assert.Equal(3, flow.Count);
        flow.Replenish(fedFromIncoming: 0, incomingScanDone: false, processLimit: 100);
        Assert.Equal(3, flow.Count);
    }

    [Fact]
    public void Tokens_above_the_process_limit_are_dropped()
    {
        var flow = new MailFlow();
        flow.Put(150);
        flow.Replenish(0, true, 100);
        Assert.Equal(100, flow.Count);
        flow.Replenish(fedFromIncoming: 500, incomingScanDone: false, processLimit: 120);
        Assert.Equal(120, flow.Count);
    }

    [Fact]
    public void Tokens_are_dropped_when_the_last_queue_manager_stops()
    {
        var flow = new MailFlow();
        var qmgr = flow.Produce();
        flow.Put(10);
        Assert.True(flow.Enabled);
        qmgr.Dispose();
        Assert.False(flow.Enabled);
        Assert.Equal(0, flow.Count);
    }
}
