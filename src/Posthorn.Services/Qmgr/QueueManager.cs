using System.Collections.Concurrent;
using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Matching;
using Posthorn.Core.Queue;
using Posthorn.Services.Bounce;
using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// The queue manager of qmgr(8), with its I/O: moves complete files from incoming to active
/// (incomplete ones wait, corrupt ones go to the corrupt queue with a warning), recovers
/// whatever is left in active at start-up (done recipients are never delivered again), scans
/// deferred every queue_run_delay for files whose modification time has come, resolves each
/// recipient with trivial-rewrite's <see cref="AddressResolver"/>, and feeds the
/// <see cref="DeliveryScheduler"/>, whose jobs run on the agent registered under the
/// transport's name (missing agent: deferred "mail transport unavailable"). Results are
/// logged as Postfix's delivery agents log them, recorded in the queue file (done) or the
/// bounce/defer logs, and when a message has no job left it is removed, or moved to deferred
/// with its next retry time, after its notices went out. Honours maximal_queue_lifetime,
/// bounce_queue_lifetime, delay_warning_time, defer_transports, qmgr_message_active_limit,
/// minimal/maximal_backoff_time; the hold queue is never touched. Requests ('I', 'D', 'A',
/// 'F') arrive through <see cref="Trigger"/> from any thread; everything else runs on the
/// caller of <see cref="RunAsync"/> or <see cref="RunOnceAsync"/>.
/// </summary>
public sealed partial class QueueManager : IQmgrTrigger, IDisposable
{
    private const string DeferredMarker = "delay_warning_sent";
    private readonly MainConfig _config;
    private readonly QueueDirectory _queue;
    private readonly MailLog _log;
    private readonly string _name;
    private readonly Func<string, IDeliveryAgent?> _agents;
    private readonly Func<string, AgentLog?> _agentLogs;
    private readonly BounceNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly AddressResolver _resolver;
    private readonly DeliveryScheduler _scheduler;
    private readonly RecipientLog _logs;
    private readonly HashSet<string> _deferTransports;
    private readonly Dictionary<string, ActiveMessage> _active = new(StringComparer.Ordinal);
    private readonly Queue<ScheduledMessage> _finished = new();
    private readonly ConcurrentQueue<char> _requests = new();
    private readonly SemaphoreSlim _signal = new(0);
    private DateTimeOffset _lastDeferredScan = DateTimeOffset.MinValue;
    private int _activationBatch = int.MaxValue;
    private bool _moreIncoming;
    private bool _incomingScanDone = true;
    private int _fedFromIncoming;
    private readonly MailFlow? _flow;
    private readonly int _flowLimit;

    public QueueManager(MainConfig config, QueueDirectory queue, MailLog log, Func<string, IDeliveryAgent?> agents,
        IMailSubmitter submitter, IMapResolver maps, Func<string, int?>? maxProc = null, TimeProvider? time = null, string processName = "qmgr",
        Func<string, AgentLog?>? agentLogs = null, MailFlow? flow = null)
    {
        _agentLogs = agentLogs ?? (_ => null);
        _flow = flow;
        _flowLimit = config.GetTime("in_flow_delay") > TimeSpan.Zero ? Math.Max(1, config.GetInt("default_process_limit")) : 0;
        _config = config;
        _queue = queue;
        _log = log;
        _name = processName;
        _agents = agents;
        _time = time ?? TimeProvider.System;
        _notifier = new BounceNotifier(config, submitter, log);
        _resolver = new AddressResolver(config, maps);
        _scheduler = new DeliveryScheduler(config, maxProc ?? (_ => null), _time);
        _scheduler.MessageDone += (m, _) => _finished.Enqueue(m);
        _scheduler.RecipientSuspended += OnSuspended;
        _logs = new RecipientLog(queue);
        _deferTransports = new HashSet<string>(config.GetList("defer_transports"), StringComparer.OrdinalIgnoreCase);
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Messages in the active queue now.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>A qmgr request: 'I' scan incoming, 'D' scan deferred, 'A' both, 'F' retry deferred mail now; 'W' wakes up.</summary>
    public void Trigger(char request)
    {
        _requests.Enqueue(request);
        _signal.Release();
    }

    /// <summary>Start-up: takes back every message left in active by a previous run.</summary>
    public void RecoverActive()
    {
        foreach (var id in _queue.Enumerate(QueueNames.Active).ToList())
            Activate(id, QueueNames.Active, flushed: false);
    }

    /// <summary>
    /// Moves every complete incoming file into active (up to qmgr_message_active_limit). The
    /// service loop takes at most <see cref="ServiceActivationBatch"/> files per call and comes
    /// back for the rest after starting deliveries, as Postfix's qmgr feeds the active queue a
    /// little at a time so that a burst of new mail does not stall the deliveries in progress.
    /// </summary>
    public void ScanIncoming()
    {
        _moreIncoming = false;
        _incomingScanDone = false;
        int taken = 0;
        foreach (var id in _queue.Enumerate(QueueNames.Incoming).ToList())
        {
            if (AtLimit())
                return;
            if (taken >= _activationBatch)
            {
                _moreIncoming = true;
                return;
            }
            if (QueueDirectory.IsReady(_queue.PathOf(QueueNames.Incoming, id)) && Activate(id, QueueNames.Incoming, flushed: false))
            {
                taken++;
                _fedFromIncoming++;
            }
        }
        _incomingScanDone = true;
    }

    /// <summary>
    /// in_flow_delay's producer side, once per pass of the service loop: tokens for the messages
    /// just taken from incoming, or up to default_process_limit when incoming was read to its
    /// end (see <see cref="MailFlow.Replenish"/>).
    /// </summary>
    private void ReplenishFlow()
    {
        int fed = _fedFromIncoming;
        _fedFromIncoming = 0;
        if (_flow is null || _flowLimit <= 0)
            return;
        _flow.Replenish(fed, _incomingScanDone, _flowLimit);
    }

    /// <summary>How many incoming files the service loop activates between two rounds of starting deliveries.</summary>
    public const int ServiceActivationBatch = 100;

    /// <summary>Moves deferred files whose retry time has come (all of them when flushing) into active.</summary>
    public void ScanDeferred(bool flush)
    {
        _lastDeferredScan = _time.GetUtcNow();
        var now = _time.GetUtcNow();
        foreach (var id in _queue.Enumerate(QueueNames.Deferred).ToList())
        {
            if (AtLimit())
                return;
            var path = _queue.PathOf(QueueNames.Deferred, id);
            if (!flush && QueueDirectory.NextRetry(path) > now)
                continue;
            Activate(id, QueueNames.Deferred, flush);
        }
    }

    /// <summary>One pass as a test or a one-shot run needs it: scan incoming and due deferred mail, deliver until idle.</summary>
    public async Task RunOnceAsync(CancellationToken ct = default)
    {
        ScanIncoming();
        ScanDeferred(flush: false);
        await DrainAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Delivers everything the scheduler has, until no job runs and none can start.</summary>
    public async Task DrainAsync(CancellationToken ct = default)
    {
        var running = new List<Task<JobOutcome>>();
        while (true)
        {
            StartJobs(running, ct);
            await FinishMessagesAsync(ct).ConfigureAwait(false);
            if (running.Count == 0)
            {
                StartJobs(running, ct);
                if (running.Count == 0)
                    return;
            }
            var done = await Task.WhenAny(running).ConfigureAwait(false);
            running.Remove(done);
            HandleOutcome(await done.ConfigureAwait(false));
        }
    }

    /// <summary>The service loop: recover, scan, deliver; wake on requests and every queue_run_delay.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        _activationBatch = ServiceActivationBatch;
        using var producing = _flow?.Produce();
        RecoverActive();
        ScanIncoming();
        ScanDeferred(flush: false);
        var running = new List<Task<JobOutcome>>();
        var runDelay = _config.GetTime("queue_run_delay");
        Task<bool>? wake = null;
        while (!stopping.IsCancellationRequested)
        {
            ProcessRequests();
            if (_time.GetUtcNow() >= _lastDeferredScan + runDelay)
                ScanDeferred(flush: false);
            _scheduler.Tick();
            StartJobs(running, CancellationToken.None);
            await FinishMessagesAsync(CancellationToken.None).ConfigureAwait(false);
            StartJobs(running, CancellationToken.None);
            ReplenishFlow();
            if (_moreIncoming)
            {
                // The rest of a large incoming queue, after the jobs just started and the results that came in.
                foreach (var finished in running.Where(j => j.IsCompleted).ToList())
                {
                    running.Remove(finished);
                    HandleOutcome(await finished.ConfigureAwait(false));
                }
                ScanIncoming();
                continue;
            }

            var untilScan = _lastDeferredScan + runDelay - _time.GetUtcNow();
            if (untilScan < TimeSpan.FromSeconds(1))
                untilScan = TimeSpan.FromSeconds(1);
            wake ??= _signal.WaitAsync(untilScan, stopping);
            var waitFor = new List<Task>(running) { wake };
            Task first;
            try
            {
                first = await Task.WhenAny(waitFor).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (first == wake)
            {
                // A timeout (no request) is also Postfix's periodic wakeup: look at incoming in case a trigger was lost.
                if (wake.IsCanceled)
                    break;
                if (!await wake.ConfigureAwait(false))
                    ScanIncoming();
                wake = null;
                continue;
            }
            var job = (Task<JobOutcome>)first;
            running.Remove(job);
            HandleOutcome(await job.ConfigureAwait(false));
        }
        // Jobs in progress finish and are recorded; anything not done stays in active for the next start.
        foreach (var job in running)
            HandleOutcome(await job.ConfigureAwait(false));
        await FinishMessagesAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void ProcessRequests()
    {
        bool incoming = false, deferred = false, flush = false;
        while (_requests.TryDequeue(out var r))
        {
            switch (r)
            {
                case QmgrTrigger.ScanIncoming:
                    incoming = true;
                    break;
                case 'D':
                    deferred = true;
                    break;
                case QmgrTrigger.ScanAll:
                    incoming = deferred = true;
                    break;
                case QmgrTrigger.FlushDead:
                    flush = true;
                    break;
            }
        }
        if (flush)
        {
            _scheduler.UnthrottleAll();
            ScanDeferred(flush: true);
        }
        else if (deferred)
        {
            ScanDeferred(flush: false);
        }
        if (incoming || flush || deferred)
            ScanIncoming();
    }

    private bool AtLimit() => _active.Count >= Math.Max(1, _config.GetInt("qmgr_message_active_limit"));

    /// <summary>
    /// Reads a file, moves it to active and schedules its recipients; a corrupt file goes to
    /// corrupt. The file is read once: after the rename the parsed file is kept with its new
    /// path. The rename is not fsynced (as in Postfix's qmgr): the content is durable already,
    /// and after a system crash the file is in one queue or the other, never lost.
    /// True when the message became active.
    /// </summary>
    private bool Activate(string id, string fromQueue, bool flushed)
    {
        if (_active.ContainsKey(id))
            return false;
        var read = QueueFileReader.Read(_queue.PathOf(fromQueue, id));
        switch (read.Status)
        {
            case QueueFileStatus.Ok:
                break;
            case QueueFileStatus.Corrupt:
                _log.Warning(_name, $"{id}: {read.Error}; moving it to the corrupt queue");
                TryQueueOp(() => _queue.MoveToCorrupt(id, fromQueue), id);
                return false;
            default:
                // Incomplete (still being written), missing or unreadable: leave it, try later.
                return false;
        }
        var file = read.File!;
        if (fromQueue != QueueNames.Active)
        {
            if (!TryQueueOp(() => _queue.Move(id, fromQueue, QueueNames.Active, sync: false), id))
                return false;
            file = file.MovedTo(_queue.PathOf(QueueNames.Active, id));
        }
        var message = new ActiveMessage(file, _time.GetUtcNow(), flushed);
        // The defer log describes the last attempt only; keep the fact that a delay warning went out.
        if (_logs.Exists(QueueNames.Defer, id))
        {
            TryQueueOp(() =>
            {
                message.DelayWarned = _logs.HasFlag(QueueNames.Defer, id, DeferredMarker);
                _logs.Delete(QueueNames.Defer, id);
            }, id);
        }
        _active[id] = message;
        _log.Info(_name, $"{id}: from=<{file.Sender}>, size={file.ContentLength}, nrcpt={file.Recipients.Count} (queue active)");
        var scheduled = new List<ScheduledRecipient>();
        for (int i = 0; i < file.Recipients.Count; i++)
        {
            var r = file.Recipients[i];
            if (r.Done)
                continue;
            ResolveResult? resolved;
            try
            {
                resolved = _resolver.Resolve(r.Address, file.Sender);
            }
            catch (Exception e) when (e is TableOpenException or TableLookupException or IOException or ConfigException)
            {
                _log.Warning(_name, $"{id}: resolving <{r.Address}>: {e.Message}");
                resolved = null;
            }
            if (r.Address.Length == 0)
            {
                ResolveNow(message, i, DeliveryOutcome.Bounced, "5.1.3", "null recipient address");
                continue;
            }
            if (resolved is null || resolved.Failed)
            {
                DeferNow(message, i, "4.3.0", "address resolver failure");
                continue;
            }
            if (resolved.IsError)
            {
                ResolveNow(message, i, DeliveryOutcome.Bounced, "5.1.3", "bad address syntax");
                continue;
            }
            if (resolved.Class == AddressClass.Local && IsDoubleBounce(resolved.Recipient))
            {
                // So that a system without a local delivery agent can run: mail to the double-bounce address is dropped.
                ResolveNow(message, i, DeliveryOutcome.Delivered, "2.0.0", "undeliverable postmaster notification discarded");
                continue;
            }
            if (_deferTransports.Contains(resolved.Transport) && !flushed)
            {
                DeferNow(message, i, "4.3.2", "deferred transport");
                continue;
            }
            scheduled.Add(new ScheduledRecipient(i, r.Address, resolved.Transport, resolved.Nexthop));
        }
        _scheduler.Add(new ScheduledMessage(id, file.ArrivalTime, scheduled));
        return true;
    }

    private bool TryQueueOp(Action op, string id)
    {
        try
        {
            op();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning(_name, $"{id}: {e.Message}");
            return false;
        }
    }

    private void OnSuspended(SuspendedRecipient s)
    {
        if (_active.TryGetValue(s.Message.QueueId, out var m))
            DeferNow(m, s.Recipient.Index, "4.4.1", s.Reason);
    }

    /// <summary>A recipient deferred by the queue manager itself, without a delivery attempt.</summary>
    private void DeferNow(ActiveMessage m, int index, string dsn, string reason) =>
        ResolveNow(m, index, DeliveryOutcome.Deferred, dsn, reason);

    /// <summary>A recipient the queue manager settles itself, without a delivery agent (relay=none).</summary>
    private void ResolveNow(ActiveMessage m, int index, DeliveryOutcome outcome, string dsn, string reason)
    {
        var r = m.File.Recipients[index];
        var action = outcome switch { DeliveryOutcome.Delivered => "delivered", DeliveryOutcome.Bounced => "failed", _ => "delayed" };
        Record(m, index, outcome, ToStatus(r, dsn, action, reason), "none",
            new DeliveryLogLine.Stamps(m.File.ArrivalTime, m.ActiveTime, null, _time.GetUtcNow()));
    }

    private bool IsDoubleBounce(string recipient)
    {
        int at = recipient.LastIndexOf('@');
        var local = at < 0 ? recipient : recipient[..at];
        return local.Equals(_config.Get("double_bounce_sender"), StringComparison.OrdinalIgnoreCase);
    }

    private static RecipientStatus ToStatus(QueueRecipient r, string dsn, string action, string reason, RecipientResult? rr = null) =>
        new(r.Address, dsn, action, reason, r.OriginalRecipient, r.DsnOrcpt, DsnNotifyText.Parse(r.DsnNotify),
            rr?.RemoteMta is null ? null : "dns", rr?.RemoteMta, rr?.DiagnosticType, rr?.DiagnosticText);
}
