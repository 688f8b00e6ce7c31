using Posthorn.Core.Maps;
using Posthorn.Core.Queue;
using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// The master.cf service <c>qmgr unix n - n 300 1 qmgr</c> (qmgr(8)): runs a
/// <see cref="QueueManager"/> on the queue directory, registers it as the "qmgr"
/// <see cref="IQmgrTrigger"/> (public/qmgr requests, cleanup's new-mail notice), finds
/// delivery agents in the service directory by transport name, and submits notices through
/// the IMailSubmitter registered as "cleanup" or, when none is, its own
/// <see cref="CleanupSubmitter"/> (which it then registers as "cleanup" for local forwarding).
/// </summary>
internal sealed class QmgrService : IMailService
{
    // One queue manager at a time (master.cf maxproc 1): across a reload the new one waits until
    // the old one has recorded its deliveries in progress, or both would take the same active files.
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        try
        {
            await OneAtATime.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            await RunOneAsync(context, stopping).ConfigureAwait(false);
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    private static async Task RunOneAsync(ServiceContext context, CancellationToken stopping)
    {
        var config = context.Config;
        var queue = QueueDirectory.FromConfig(config);
        queue.EnsureDirectories();
        var maps = new TableMapResolver(config, context.Log, context.ProcessName);
        QueueManager? qmgr = null;
        CleanupSubmitter? own = null;
        IMailSubmitter submitter;
        if (context.Directory.TryFind<IMailSubmitter>("cleanup", out var found))
        {
            submitter = found;
        }
        else
        {
            own = new CleanupSubmitter(config, queue, maps, context.Log, () => qmgr?.Trigger(QmgrTrigger.ScanIncoming));
            submitter = own;
            context.Directory.Register<IMailSubmitter>("cleanup", own);
        }
        var services = context.Directory;
        using var manager = new QueueManager(config, queue, context.Log,
            transport => services.TryFind<IDeliveryAgent>(transport, out var a) ? a : null,
            submitter, maps, ProcessLimits(config, context), TimeProvider.System, context.ProcessName,
            transport => services.TryFind<AgentLog>(transport, out var l) ? l : null, context.Directory.Flow);
        qmgr = manager;
        context.Directory.Register<IQmgrTrigger>("qmgr", manager);
        try
        {
            await manager.RunAsync(stopping).ConfigureAwait(false);
        }
        finally
        {
            context.Directory.Unregister<IQmgrTrigger>("qmgr", manager);
            if (own is not null)
                context.Directory.Unregister<IMailSubmitter>("cleanup", own);
        }
    }

    /// <summary>The maxproc column of each unix service in master.cf, the transports' process limits.</summary>
    private static Func<string, int?> ProcessLimits(Posthorn.Core.Config.MainConfig config, ServiceContext context)
    {
        try
        {
            var master = Posthorn.Core.Config.MasterCfFile.Load(Path.Combine(config.Get("config_directory"), "master.cf"));
            var limits = master.EffectiveServices.Where(s => s.Type == "unix")
                .GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Last().ProcessLimit);
            return name => limits.TryGetValue(name, out var n) ? n : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Posthorn.Core.Config.ConfigException)
        {
            context.Log.Warning(context.ProcessName, $"cannot read master.cf for transport process limits: {e.Message}");
            return _ => null;
        }
    }
}
