using Posthorn.Core.Maps;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Master;

namespace Posthorn.Services.Pickup;

/// <summary>
/// The pickup(8) service: watches <c>$queue_directory/maildrop</c> (a FileSystemWatcher, plus
/// a scan at the master.cf wakeup interval — 60 seconds in Postfix's default master.cf — and
/// at start), passes each complete file through <see cref="PickupProcessor"/> into incoming,
/// and triggers the queue manager ("qmgr" <see cref="IQmgrTrigger"/>, request 'I') when it
/// queued something. A bad file is removed with a warning; an unexpected error is logged and
/// the service keeps running. Runs as mail_owner inside the master.
/// </summary>
public sealed class PickupService : IMailService
{
    private const int DefaultWakeupSeconds = 60;

    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(context);
        var config = context.Config;
        var queue = QueueDirectory.FromConfig(config);
        var name = context.ProcessName;
        var processor = new PickupProcessor(queue, new CleanupProcessor(config, new TableMapResolver(config, context.Log, "cleanup")), context.Log, name);
        var maildrop = Path.Combine(queue.Root, QueueNames.Maildrop);
        Directory.CreateDirectory(maildrop);
        int wakeup = context.Entry.WakeupSeconds > 0 ? context.Entry.WakeupSeconds : DefaultWakeupSeconds;
        using var signal = new SemaphoreSlim(0, 1);
        void Wake()
        {
            try
            {
                if (signal.CurrentCount == 0)
                    signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
        using var watcher = new FileSystemWatcher(maildrop) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.Attributes | NotifyFilters.LastWrite };
        watcher.Created += (_, _) => Wake();
        watcher.Renamed += (_, _) => Wake();
        watcher.Changed += (_, _) => Wake();
        watcher.Error += (_, _) => Wake();
        watcher.EnableRaisingEvents = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (processor.Scan() > 0 && context.Directory.TryFind<IQmgrTrigger>("qmgr", out var qmgr))
                    qmgr.Trigger(QmgrTrigger.ScanIncoming);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                context.Log.Warning(name, $"maildrop scan: {e.Message}");
            }
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(wakeup), stopping).ConfigureAwait(false);
                // Let a writer finish its burst (commit sets the mode after the last write).
                await Task.Delay(50, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
