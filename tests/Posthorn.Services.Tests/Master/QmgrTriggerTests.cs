using System.Collections.Concurrent;
using Posthorn.Core.Logging;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public sealed class QmgrTriggerTests : IDisposable
{
    private readonly string _queue = Directory.CreateTempSubdirectory("posthorn-trigger-").FullName;

    public QmgrTriggerTests() => Directory.CreateDirectory(Path.Combine(_queue, "public"));

    public void Dispose() => Directory.Delete(_queue, true);

    private sealed class Recorder : IQmgrTrigger
    {
        public ConcurrentQueue<char> Requests { get; } = new();

        public void Trigger(char request) => Requests.Enqueue(request);
    }

    [Fact]
    public void Flush_request_reaches_the_registered_queue_manager()
    {
        var directory = new ServiceDirectory();
        var qmgr = new Recorder();
        directory.Register<IQmgrTrigger>("qmgr", qmgr);
        using (QmgrTriggerReceiver.Open(_queue, null, MailLog.Null, directory))
        {
            Assert.True(QmgrTrigger.Send(_queue, "FA"));
            for (int i = 0; i < 200 && qmgr.Requests.Count < 2; i++)
                Thread.Sleep(10);
        }
        Assert.Equal(['F', 'A'], qmgr.Requests);
    }

    [Fact]
    public void Without_a_queue_manager_the_request_is_logged()
    {
        var logPath = Path.Combine(_queue, "maillog");
        using var log = new MailLog("posthorn", "h", logPath, false);
        using (QmgrTriggerReceiver.Open(_queue, null, log, new ServiceDirectory()))
        {
            Assert.True(QmgrTrigger.Send(_queue, "FA"));
            for (int i = 0; i < 200 && (!File.Exists(logPath) || new FileInfo(logPath).Length == 0); i++)
            {
                Thread.Sleep(10);
                log.Flush();
            }
        }
        Assert.Contains("trigger request \"FA\" on public/qmgr: no queue manager runs in this build; ignored", File.ReadAllText(logPath), StringComparison.Ordinal);
    }

    [Fact]
    public void Send_fails_when_no_master_listens() => Assert.False(QmgrTrigger.Send(_queue, "FA"));
}
