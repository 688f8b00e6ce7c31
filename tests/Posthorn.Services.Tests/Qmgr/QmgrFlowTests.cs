using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Queue;
using Posthorn.Services.Master;
using Posthorn.Services.Qmgr;

namespace Posthorn.Services.Tests.Qmgr;

/// <summary>The queue manager's side of in_flow_delay, and how it feeds the active queue.</summary>
public sealed class QmgrFlowTests
{
    private static QueueManager Manager(QmgrHarness h, MailFlow flow) =>
        new(h.Config, h.Queue, MailLog.Null, _ => h.Agent, h.Submitter, new TableMapResolver(h.Config), time: h.Time, flow: flow);

    private static async Task Until(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
            await Task.Delay(25);
    }

    [Fact]
    public async Task Running_queue_manager_with_empty_incoming_fills_tokens_up_to_default_process_limit()
    {
        using var h = new QmgrHarness("default_process_limit = 7");
        var flow = new MailFlow();
        using var manager = Manager(h, flow);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        await Until(() => flow.Count == 7);
        Assert.True(flow.Enabled);
        Assert.Equal(7, flow.Count);
        cts.Cancel();
        await run;
        Assert.False(flow.Enabled);
    }

    [Fact]
    public async Task Zero_in_flow_delay_produces_no_tokens()
    {
        using var h = new QmgrHarness("default_process_limit = 7\nin_flow_delay = 0");
        var flow = new MailFlow();
        using var manager = Manager(h, flow);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        var id = h.Enqueue("sender@example.com", ["a@remote.example"]);
        manager.Trigger('I');
        await Until(() => !h.Exists(id));
        Assert.Equal(0, flow.Count);
        cts.Cancel();
        await run;
    }

    [Fact]
    public async Task Service_loop_delivers_an_incoming_queue_larger_than_one_activation_batch()
    {
        using var h = new QmgrHarness();
        int count = QueueManager.ServiceActivationBatch * 2 + 5;
        var ids = Enumerable.Range(0, count).Select(i => h.Enqueue("sender@example.com", [$"r{i}@remote.example"])).ToList();
        var flow = new MailFlow();
        using var manager = Manager(h, flow);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        await Until(() => h.Agent.Delivered.Count == count);
        cts.Cancel();
        await run;
        Assert.Equal(count, h.Agent.Delivered.Count);
        Assert.All(ids, id => Assert.False(h.Exists(id)));
        Assert.Empty(h.Queue.Enumerate(QueueNames.Incoming));
    }
}
