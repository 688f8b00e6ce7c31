using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Queue;
using Posthorn.Services.Delivery;
using Posthorn.Services.Qmgr;

namespace Posthorn.Services.Tests.Qmgr;

/// <summary>
/// A slow test agent: waits, then appends "QUEUEID ADDRESS" to its own log (fsync) and reports
/// the recipient delivered. One recipient at a time.
/// </summary>
internal sealed class SlowLoggingAgent : IDeliveryAgent
{
    private readonly string _logPath;
    private readonly int _delayMs;

    public SlowLoggingAgent(string logPath, int delayMs)
    {
        _logPath = logPath;
        _delayMs = delayMs;
    }

    public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var results = new List<RecipientResult>();
        foreach (var r in request.Recipients)
        {
            await Task.Delay(_delayMs, cancellationToken);
            using (var f = new FileStream(_logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                f.Write(Encoding.ASCII.GetBytes($"{request.QueueId} {r.Address}\n"));
                f.Flush(flushToDisk: true);
            }
            var result = new RecipientResult(r, DeliveryOutcome.Delivered, "2.0.0", "delivered", "slow");
            request.RecipientDone?.Invoke(result);
            results.Add(result);
        }
        return new DeliveryResult(results);
    }
}

/// <summary>
/// The entry point of this test assembly when run as a program: <c>qmgr-durability-host QUEUEDIR
/// AGENTLOG DELAYMS</c> runs a queue manager alone on the queue directory with the slow agent
/// as its only transport, until killed. The durability test SIGKILLs it mid-batch and starts it again.
/// </summary>
public static class DurabilityHost
{
    public static int Main(string[] args)
    {
        if (args.Length != 4 || args[0] != "qmgr-durability-host")
            return 2;
        var config = MainConfig.FromText($"""
            queue_directory = {args[1]}
            myhostname = mail.example.com
            mydomain = example.com
            myorigin = example.com
            mydestination =
            default_transport = slow
            default_destination_recipient_limit = 2
            queue_run_delay = 1s
            """);
        var queue = QueueDirectory.FromConfig(config);
        queue.EnsureDirectories();
        using var log = new MailLog("postfix", "mail.example.com", Path.Combine(args[1], "..", "maillog"), false);
        var maps = new TableMapResolver(config, log, "qmgr");
        var agent = new SlowLoggingAgent(args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        QueueManager? manager = null;
        var submitter = new CleanupSubmitter(config, queue, maps, log, () => manager?.Trigger('I'));
        manager = new QueueManager(config, queue, log, t => t == "slow" ? agent : null, submitter, maps, _ => 1);
        Console.WriteLine("ready");
        manager.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        return 0;
    }
}
