using Posthorn.Core.Config;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// The scheduling core of qmgr(8), without I/O: messages from the active queue are split into
/// delivery jobs per (transport, destination) with at most the transport's recipient limit
/// each; <see cref="TryTake"/> hands out jobs round-robin across transports and destinations
/// while staying within each transport's process limit and each destination's concurrency
/// window. Completions adjust the window with Postfix's positive and negative feedback; a
/// destination whose failed cohorts reach the limit is throttled ("dead") for
/// minimal_backoff_time, and its waiting recipients are deferred with the reason. When all of a
/// message's jobs are done, <see cref="MessageDone"/> says whether it goes to the deferred queue
/// and with which backoff (its age, clamped to minimal/maximal_backoff_time). Single-threaded:
/// the owner serialises calls.
/// </summary>
public sealed class DeliveryScheduler
{
    private readonly MainConfig _config;
    private readonly Func<string, int?> _maxProc;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, TransportState> _transports = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<TransportState> _transportOrder = [];
    private int _transportCursor;

    /// <param name="maxProc">The master.cf maxproc of a transport, or null for "-".</param>
    public DeliveryScheduler(MainConfig config, Func<string, int?> maxProc, TimeProvider time)
    {
        _config = config;
        _maxProc = maxProc;
        _time = time;
    }

    /// <summary>Raised when a message has no job left: its owner removes it or defers it.</summary>
    public event Action<ScheduledMessage, TimeSpan?>? MessageDone;

    /// <summary>Raised for recipients deferred without an attempt because their destination is throttled.</summary>
    public event Action<SuspendedRecipient>? RecipientSuspended;

    public int ActiveMessages { get; private set; }

    /// <summary>Queues a message's recipients as jobs.</summary>
    public void Add(ScheduledMessage message)
    {
        ActiveMessages++;
        var groups = message.Recipients.GroupBy(r => (r.Transport, Destination: DestinationOf(r)));
        var jobs = new List<(DestinationQueue Queue, List<ScheduledRecipient> Batch)>();
        foreach (var g in groups)
        {
            var transport = TransportFor(g.Key.Transport);
            var queue = QueueFor(transport, g.Key.Destination);
            int limit = transport.Settings.DestinationRecipientLimit <= 0 ? int.MaxValue : transport.Settings.DestinationRecipientLimit;
            // As qmgr_message_sort(): by recipient domain, then address, so batches and log lines follow Postfix's order.
            foreach (var chunk in g.Order(RecipientOrder.Instance).Chunk(limit))
                jobs.Add((queue, chunk.ToList()));
        }
        message.Outstanding = jobs.Count;
        if (jobs.Count == 0)
        {
            Finish(message);
            return;
        }
        foreach (var (queue, batch) in jobs)
        {
            var job = new DeliveryJob(message, queue, batch);
            if (queue.IsThrottled && !Unthrottle(queue))
                Suspend(job, queue.ThrottleReason!);
            else
                queue.Todo.AddLast(job);
        }
    }

    /// <summary>The next job that may start now, or false when limits or empty queues say wait.</summary>
    public bool TryTake(out DeliveryJob job)
    {
        for (int t = 0; t < _transportOrder.Count; t++)
        {
            var transport = _transportOrder[(_transportCursor + t) % _transportOrder.Count];
            if (transport.Busy >= transport.Settings.ProcessLimit || transport.RoundRobin.Count == 0)
                continue;
            for (int q = 0; q < transport.RoundRobin.Count; q++)
            {
                var queue = transport.RoundRobin[(transport.Cursor + q) % transport.RoundRobin.Count];
                if (queue.IsThrottled)
                    Unthrottle(queue);
                if (!queue.CanStart)
                    continue;
                job = queue.Todo.First!.Value;
                queue.Todo.RemoveFirst();
                queue.Busy++;
                transport.Busy++;
                transport.Cursor = (transport.Cursor + q + 1) % transport.RoundRobin.Count;
                _transportCursor = (_transportCursor + t + 1) % _transportOrder.Count;
                return true;
            }
        }
        job = null!;
        return false;
    }

    /// <summary>
    /// Records a finished job: the destination's status drives the concurrency feedback; each
    /// recipient's outcome decides whether the message still needs the deferred queue.
    /// </summary>
    public void Complete(DeliveryJob job, SiteStatus site, IReadOnlyList<RecipientOutcome> outcomes, string? siteReason = null)
    {
        var queue = job.Queue;
        queue.Busy--;
        queue.Transport.Busy--;
        if (outcomes.Any(o => o == RecipientOutcome.Deferred))
            job.Message.AnyDeferred = true;
        if (site == SiteStatus.Ok)
            PositiveFeedback(queue);
        else
            NegativeFeedback(queue, siteReason ?? "delivery temporarily suspended");
        JobDone(job.Message);
        Cleanup(queue);
    }

    /// <summary>Re-evaluates throttled destinations whose backoff has passed; call on every timer tick.</summary>
    public void Tick()
    {
        foreach (var t in _transportOrder)
            foreach (var q in t.RoundRobin.ToList())
                if (q.IsThrottled)
                    Unthrottle(q);
    }

    /// <summary>Forgets every dead destination at once (qmgr 'F' request: postqueue -f, postfix flush).</summary>
    public void UnthrottleAll()
    {
        foreach (var t in _transportOrder)
            foreach (var q in t.RoundRobin)
                q.ThrottledUntil = DateTimeOffset.MinValue;
        Tick();
    }

    private string DestinationOf(ScheduledRecipient r)
    {
        var transport = TransportFor(r.Transport);
        return transport.Settings.PerRecipientQueues ? r.Address.ToLowerInvariant() : r.Nexthop.ToLowerInvariant();
    }

    private TransportState TransportFor(string name)
    {
        if (!_transports.TryGetValue(name, out var t))
        {
            t = new TransportState(TransportSettings.From(_config, name, _maxProc(name)));
            _transports[name] = t;
            _transportOrder.Add(t);
        }
        return t;
    }

    private static DestinationQueue QueueFor(TransportState transport, string name)
    {
        if (!transport.Queues.TryGetValue(name, out var q))
        {
            q = new DestinationQueue(transport, name);
            transport.Queues[name] = q;
            transport.RoundRobin.Add(q);
        }
        return q;
    }

    /// <summary>qmgr_queue_unthrottle's feedback half: a success widens the window towards the limit.</summary>
    private static void PositiveFeedback(DestinationQueue q)
    {
        q.FailCohorts = 0;
        var s = q.Transport.Settings;
        if (s.DestinationConcurrencyLimit != 0 && s.DestinationConcurrencyLimit <= q.Window)
            return;
        if (q.Window >= q.Busy + s.InitialConcurrency)
            return;
        double feedback = s.PositiveFeedback.ValueAt(q.Window);
        q.Success += feedback;
        while (q.Success + feedback / 2 >= 1)
        {
            q.Window += 1;
            q.Success -= 1;
            q.Failure = 0;
        }
        if (s.DestinationConcurrencyLimit > 0 && q.Window > s.DestinationConcurrencyLimit)
            q.Window = s.DestinationConcurrencyLimit;
    }

    /// <summary>qmgr_queue_throttle: a failure narrows the window; enough failed cohorts declare the destination dead.</summary>
    private void NegativeFeedback(DestinationQueue q, string reason)
    {
        var s = q.Transport.Settings;
        q.FailCohorts += 1.0 / Math.Max(1, q.Window);
        if (s.FailedCohortLimit > 0 && q.FailCohorts >= s.FailedCohortLimit)
        {
            q.ThrottleReason = reason;
            q.ThrottledUntil = _time.GetUtcNow() + _config.GetTime("minimal_backoff_time");
            var waiting = q.Todo.ToList();
            q.Todo.Clear();
            foreach (var job in waiting)
                Suspend(job, reason);
            return;
        }
        double feedback = s.NegativeFeedback.ValueAt(q.Window);
        q.Failure -= feedback;
        while (q.Failure - feedback / 2 < 0)
        {
            q.Window -= 1;
            q.Success = 0;
            q.Failure += 1;
        }
        if (q.Window < 1)
            q.Window = 1;
    }

    /// <summary>Lifts a throttle whose time has come; the window restarts at the initial concurrency.</summary>
    private bool Unthrottle(DestinationQueue q)
    {
        if (!q.IsThrottled)
            return true;
        if (_time.GetUtcNow() < q.ThrottledUntil)
            return false;
        q.ThrottleReason = null;
        q.FailCohorts = 0;
        q.Window = q.Busy > 0 ? q.Busy : q.Transport.Settings.InitialConcurrency;
        q.Success = q.Failure = 0;
        return true;
    }

    private void Suspend(DeliveryJob job, string reason)
    {
        job.Message.AnyDeferred = true;
        foreach (var r in job.Recipients)
            RecipientSuspended?.Invoke(new SuspendedRecipient(job.Message, r, reason));
        JobDone(job.Message);
    }

    private void JobDone(ScheduledMessage message)
    {
        if (--message.Outstanding == 0)
            Finish(message);
    }

    private void Finish(ScheduledMessage message)
    {
        ActiveMessages--;
        TimeSpan? backoff = null;
        if (message.AnyDeferred)
        {
            var age = _time.GetUtcNow() - message.Arrival;
            var min = _config.GetTime("minimal_backoff_time");
            var max = _config.GetTime("maximal_backoff_time");
            backoff = age > max ? max : age < min ? min : age;
        }
        MessageDone?.Invoke(message, backoff);
    }

    /// <summary>Drops a destination queue that has nothing left and is not throttled.</summary>
    private static void Cleanup(DestinationQueue q)
    {
        if (q.Busy == 0 && q.Todo.Count == 0 && !q.IsThrottled)
        {
            q.Transport.Queues.Remove(q.Name);
            int idx = q.Transport.RoundRobin.IndexOf(q);
            q.Transport.RoundRobin.RemoveAt(idx);
            if (q.Transport.Cursor > idx)
                q.Transport.Cursor--;
            if (q.Transport.RoundRobin.Count > 0)
                q.Transport.Cursor %= q.Transport.RoundRobin.Count;
            else
                q.Transport.Cursor = 0;
        }
    }
}

/// <summary>Postfix's qmgr_message_sort_compare after transport and queue: the domain (case-insensitive; no domain last), then the address.</summary>
internal sealed class RecipientOrder : IComparer<ScheduledRecipient>
{
    public static readonly RecipientOrder Instance = new();

    public int Compare(ScheduledRecipient? x, ScheduledRecipient? y)
    {
        if (x is null || y is null)
            return x is null ? (y is null ? 0 : 1) : -1;
        int ax = x.Address.LastIndexOf('@'), ay = y.Address.LastIndexOf('@');
        if (ax < 0 != ay < 0)
            return ax < 0 ? 1 : -1;
        if (ax >= 0)
        {
            int d = x.Address.AsSpan(ax).CompareTo(y.Address.AsSpan(ay), StringComparison.OrdinalIgnoreCase);
            if (d != 0)
                return d;
        }
        return string.CompareOrdinal(x.Address, y.Address);
    }
}
