using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;

namespace Posthorn.Services.Master;

/// <summary>
/// The services of one reading of main.cf and master.cf: prepared (inet listeners bound or
/// taken over from the previous generation), started, and stopped on reload or shutdown. A
/// service whose command this build lacks is skipped with one warning over the master's
/// lifetime; one that fails is restarted after service_throttle_time, as Postfix's master
/// throttles a daemon that dies at start-up.
/// </summary>
internal sealed class ServiceGeneration : IDisposable
{
    private readonly List<(MasterService Entry, MainConfig Config, IReadOnlyList<Socket> Listeners)> _services = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly ServiceCatalog _catalog;
    private readonly MailLog _log;

    private ServiceGeneration(ServiceCatalog catalog, MailLog log, ListenerPool listeners)
    {
        _catalog = catalog;
        _log = log;
        Listeners = listeners;
    }

    public ListenerPool Listeners { get; }

    public int ServiceCount => _services.Count;

    /// <summary>
    /// Reads the entries and binds listeners. With <paramref name="strict"/> (start-up) a bad
    /// inet address or a failed bind is a <see cref="ConfigException"/>; otherwise (reload)
    /// it is logged and that service skipped.
    /// </summary>
    public static ServiceGeneration Prepare(MainConfig main, MasterCfFile master, ServiceCatalog catalog, MailLog log,
        ListenerPool? previous, ISet<string> reported, bool strict)
    {
        var generation = new ServiceGeneration(catalog, log, new ListenerPool());
        try
        {
            foreach (var entry in master.Services)
                generation.Add(entry, main, master.Path, previous, reported, strict);
        }
        catch
        {
            generation.Listeners.Dispose();
            throw;
        }
        return generation;
    }

    private void Add(MasterService entry, MainConfig main, string masterPath, ListenerPool? previous, ISet<string> reported, bool strict)
    {
        var where = $"{masterPath}:{entry.Line}";
        if (_catalog.SkipReason(entry) is { } skip)
        {
            if (reported.Add(entry.Id + " " + entry.Command))
                _log.Warning("master", $"{where}: {skip}");
            return;
        }
        if (_catalog.Classify(entry.Command) != ServiceKind.Available)
            return;
        var config = entry.ConfigFor(main);
        var sockets = new List<Socket>();
        if (entry.Type == "inet")
        {
            try
            {
                int backlog = Math.Max(entry.ProcessLimit ?? 0, config.GetInt("default_process_limit"));
                foreach (var ep in InetAddress.Endpoints(entry.Name, config))
                {
                    try
                    {
                        sockets.Add(Listeners.Get(ep, backlog, previous));
                    }
                    catch (SocketException e)
                    {
                        throw new FormatException($"bind {ListenerPool.Describe(ep)}: {e.Message}");
                    }
                }
            }
            catch (FormatException e)
            {
                if (strict)
                    throw new ConfigException($"{where}: service {entry.Id}: {e.Message}");
                _log.Error("master", $"{where}: service {entry.Id}: {e.Message}; skipped");
                return;
            }
        }
        _services.Add((entry, config, sockets));
    }

    /// <summary>Starts every prepared service.</summary>
    public void Start(ServiceDirectory directory)
    {
        foreach (var (entry, config, listeners) in _services)
        {
            TimeSpan throttle;
            MailLog log;
            try
            {
                log = _log.WithSyslogName(config.Get("syslog_name"));
                throttle = config.GetTime("service_throttle_time");
            }
            catch (ConfigException e)
            {
                _log.Error("master", $"service {entry.Id}: {e.Message}; skipped");
                continue;
            }
            var context = new ServiceContext(entry, config, log, listeners, directory);
            _running.Add(Task.Run(() => Supervise(context, throttle, _stopping.Token)));
        }
    }

    private async Task Supervise(ServiceContext context, TimeSpan throttle, CancellationToken stopping)
    {
        var entry = context.Entry;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var service = _catalog.Create(entry);
                if (service is null)
                    return;
                await service.RunAsync(context, stopping);
                if (stopping.IsCancellationRequested)
                    return;
                _log.Warning("master", $"service {entry.Id}: command {context.ProcessName} stopped unexpectedly -- throttling");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.Warning("master", $"service {entry.Id}: command {context.ProcessName} failed: {e.Message} -- throttling");
            }
            try
            {
                await Task.Delay(throttle, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Asks every service to stop and waits up to <paramref name="grace"/> for them.</summary>
    public void Stop(TimeSpan grace)
    {
        _stopping.Cancel();
        try
        {
            if (!Task.WaitAll([.. _running], grace))
                _log.Warning("master", $"{_running.Count(t => !t.IsCompleted)} service(s) did not stop within {grace.TotalSeconds:0} seconds");
        }
        catch (AggregateException)
        {
        }
    }

    public void Dispose() => _stopping.Dispose();
}
