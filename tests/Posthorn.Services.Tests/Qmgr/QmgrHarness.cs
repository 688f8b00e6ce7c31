using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Queue;
using Posthorn.Services.Delivery;
using Posthorn.Services.Qmgr;

namespace Posthorn.Services.Tests.Qmgr;

/// <summary>
/// A test-only delivery agent: the outcome follows the recipient's local part ("bounce..." is
/// rejected 5.1.1, "defer..." deferred 4.4.1 while <see cref="DeferAll"/> holds, anything else
/// delivered), and every delivery is counted.
/// </summary>
internal sealed class FakeAgent : IDeliveryAgent
{
    public List<(string QueueId, string Recipient)> Delivered { get; } = [];

    public bool DeferAll { get; set; } = true;

    public List<DeliveryRequest> Requests { get; } = [];

    /// <summary>The content of each request, read when it was delivered.</summary>
    public List<string> Contents { get; } = [];

    public ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        lock (this)
        {
            Requests.Add(request);
            using (var reader = new StreamReader(request.OpenContent()))
                Contents.Add(reader.ReadToEnd());
            var results = new List<RecipientResult>();
            foreach (var r in request.Recipients)
            {
                if (r.Address.StartsWith("bounce", StringComparison.Ordinal))
                {
                    results.Add(new RecipientResult(r, DeliveryOutcome.Bounced, "5.1.1", "host remote.example[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
                        "remote.example[192.0.2.1]:25", "remote.example", "smtp", "550 5.1.1 User unknown"));
                }
                else if (r.Address.StartsWith("defer", StringComparison.Ordinal) && DeferAll)
                {
                    results.Add(new RecipientResult(r, DeliveryOutcome.Deferred, "4.4.1", "connect to remote.example[192.0.2.1]:25: Connection timed out", "none"));
                }
                else
                {
                    Delivered.Add((request.QueueId, r.Address));
                    results.Add(new RecipientResult(r, DeliveryOutcome.Delivered, "2.0.0", "250 2.0.0 Ok: queued as XYZ", "remote.example[192.0.2.1]:25"));
                }
            }
            return ValueTask.FromResult(new DeliveryResult(results));
        }
    }
}

/// <summary>A temporary queue directory, a config, a maillog file, a fake agent and a queue manager on manual time.</summary>
internal sealed class QmgrHarness : IDisposable
{
    private readonly MailLog _log;

    public QmgrHarness(string extraConfig = "", Dictionary<string, IDeliveryAgent>? agents = null)
    {
        Dir = Path.Combine(Path.GetTempPath(), "posthorn-qmgr-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        Config = MainConfig.FromText($"""
            queue_directory = {Dir}/queue
            myhostname = mail.example.com
            mydomain = example.com
            myorigin = example.com
            mydestination =
            default_transport = test
            relay_transport = test
            minimal_backoff_time = 300s
            maximal_backoff_time = 4000s
            {extraConfig}
            """, Dir);
        Queue = QueueDirectory.FromConfig(Config, time: Time);
        Queue.EnsureDirectories();
        _log = new MailLog("postfix", "mail.example.com", Path.Combine(Dir, "maillog"), false);
        var maps = new TableMapResolver(Config, _log, "qmgr");
        var all = agents ?? new Dictionary<string, IDeliveryAgent>();
        all.TryAdd("test", Agent);
        Submitter = new CleanupSubmitter(Config, Queue, maps, _log, null, Time);
        Manager = new QueueManager(Config, Queue, _log, t => all.TryGetValue(t, out var a) ? a : null, Submitter, maps, time: Time);
    }

    public string Dir { get; }

    public MainConfig Config { get; }

    public ManualTime Time { get; } = new();

    public QueueDirectory Queue { get; }

    public FakeAgent Agent { get; } = new();

    public CleanupSubmitter Submitter { get; }

    public QueueManager Manager { get; }

    public string Log
    {
        get
        {
            _log.Flush();
            var path = Path.Combine(Dir, "maillog");
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
    }

    /// <summary>Writes a complete queue file as smtpd would, in the given queue.</summary>
    public string Enqueue(string sender, string[] recipients, string queueName = QueueNames.Incoming, string[]? notify = null,
        DateTimeOffset? arrival = null, string body = "Hello.")
    {
        using var w = Queue.Enter(queueName);
        w.WriteArrivalTime(arrival ?? Time.GetUtcNow());
        w.WriteSender(sender);
        for (int i = 0; i < recipients.Length; i++)
            w.WriteRecipient(new QueueRecipientSpec(recipients[i], recipients[i], notify?[i]));
        w.AppendContent(Encoding.ASCII.GetBytes($"From: <{sender}>\r\nTo: <{recipients[0]}>\r\nSubject: test\r\nMessage-ID: <m1@example.com>\r\n\r\n{body}\r\n"));
        var r = w.Commit();
        Assert.True(r.Ok, r.Error);
        return r.QueueId!;
    }

    /// <summary>Queue files in a queue, read.</summary>
    public List<QueueFile> Files(string queueName) =>
        Queue.Enumerate(queueName).Select(id => QueueFileReader.Read(Queue.PathOf(queueName, id)).File!).Where(f => f is not null).ToList();

    public static string Content(QueueFile f)
    {
        using var s = f.OpenContent();
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    public bool Exists(string id) => QueueNames.All.Any(q => File.Exists(Queue.PathOf(q, id)));

    public void Dispose()
    {
        Manager.Dispose();
        _log.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
