using System.Runtime.Versioning;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Services.Master;
using Posthorn.Services.Pickup;
using Posthorn.Services.Tests.Cleanup;

namespace Posthorn.Services.Tests.Pickup;

/// <summary>The pickup service loop: the watcher wakes it, bad files do not stop it, qmgr is triggered.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class PickupServiceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-pickupsvc-" + Guid.NewGuid().ToString("N")[..12]);

    private sealed class RecordingQmgr : IQmgrTrigger
    {
        public List<char> Requests { get; } = [];

        public void Trigger(char request)
        {
            lock (Requests)
                Requests.Add(request);
        }
    }

    public PickupServiceTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static bool WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            if (condition())
                return true;
            Thread.Sleep(50);
        }
        return false;
    }

    [Fact]
    public async Task Picks_up_new_files_survives_garbage_and_triggers_qmgr()
    {
        var config = MainConfig.FromText(CleanupTest.Base + $"\nqueue_directory = {_dir}/queue\nhash_queue_depth = 1\n");
        var queue = QueueDirectory.FromConfig(config);
        queue.EnsureDirectories();
        var entry = MasterCfFile.ParseEntry("master.cf", 1, "pickup unix n - n 60 1 pickup");
        var directory = new ServiceDirectory();
        var qmgr = new RecordingQmgr();
        directory.Register<IQmgrTrigger>("qmgr", qmgr);
        using var log = new MailLog("postfix", "mail", Path.Combine(_dir, "maillog"), false);
        using var stop = new CancellationTokenSource();
        var run = new PickupService().RunAsync(new ServiceContext(entry, config, log, [], directory), stop.Token);

        var garbage = Path.Combine(queue.Root, "maildrop", "BADF00D1234");
        File.WriteAllText(garbage, "garbage");
        File.SetUnixFileMode(garbage, MaildropFile.ReadyMode);
        Assert.True(WaitFor(() => !File.Exists(garbage)));

        using (var w = queue.Enter(QueueNames.Maildrop))
        {
            w.ReadyMode = MaildropFile.ReadyMode;
            w.WriteArrivalTime(DateTimeOffset.UtcNow);
            w.WriteSender("joe");
            w.WriteRecipient(new QueueRecipientSpec("bob@example.com"));
            w.AppendContent(Encoding.ASCII.GetBytes("Subject: x\r\n\r\ny\r\n"));
            w.Commit();
        }
        Assert.True(WaitFor(() => queue.Enumerate(QueueNames.Incoming).Any()));
        Assert.True(WaitFor(() => { lock (qmgr.Requests) return qmgr.Requests.Contains(QmgrTrigger.ScanIncoming); }));
        Assert.False(run.IsCompleted);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        log.Flush();
        Assert.Contains("warning: maildrop/BADF00D1234", File.ReadAllText(Path.Combine(_dir, "maillog")), StringComparison.Ordinal);
    }
}
