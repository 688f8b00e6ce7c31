namespace Posthorn.Services.Qmgr;

/// <summary>One recipient of an active message, already resolved by trivial-rewrite.</summary>
public sealed record ScheduledRecipient(int Index, string Address, string Transport, string Nexthop);

/// <summary>A message in the active queue as the scheduler sees it.</summary>
public sealed class ScheduledMessage
{
    public ScheduledMessage(string queueId, DateTimeOffset arrival, IReadOnlyList<ScheduledRecipient> recipients)
    {
        QueueId = queueId;
        Arrival = arrival;
        Recipients = recipients;
    }

    public string QueueId { get; }

    public DateTimeOffset Arrival { get; }

    public IReadOnlyList<ScheduledRecipient> Recipients { get; }

    internal int Outstanding { get; set; }

    /// <summary>True when some recipient was deferred: the message goes to the deferred queue.</summary>
    public bool AnyDeferred { get; internal set; }
}

/// <summary>
/// A delivery request: one message, one transport and destination, up to the transport's
/// recipient limit of that message's recipients. The delivery agent reports per recipient.
/// </summary>
public sealed class DeliveryJob
{
    internal DeliveryJob(ScheduledMessage message, DestinationQueue queue, IReadOnlyList<ScheduledRecipient> recipients)
    {
        Message = message;
        Queue = queue;
        Recipients = recipients;
    }

    public ScheduledMessage Message { get; }

    public IReadOnlyList<ScheduledRecipient> Recipients { get; }

    public string Transport => Queue.Transport.Settings.Name;

    public string Nexthop => Recipients[0].Nexthop;

    internal DestinationQueue Queue { get; }
}

/// <summary>How a delivery attempt ended for the destination as a whole.</summary>
public enum SiteStatus
{
    /// <summary>The destination answered (whatever it said about each recipient).</summary>
    Ok,

    /// <summary>The destination could not be reached or failed as a whole: concurrency drops, and it may be declared dead.</summary>
    Failed,
}

/// <summary>Per-recipient result of a delivery attempt.</summary>
public enum RecipientOutcome
{
    Delivered,
    Deferred,
    Bounced,
}

/// <summary>What the scheduler tells its owner to do with a recipient it could not even try.</summary>
public sealed record SuspendedRecipient(ScheduledMessage Message, ScheduledRecipient Recipient, string Reason);

/// <summary>
/// A per-destination queue (Postfix's QMGR_QUEUE): its concurrency window, the feedback
/// counters, the entries waiting and those being delivered, and the reason it is throttled.
/// </summary>
internal sealed class DestinationQueue
{
    public DestinationQueue(TransportState transport, string name)
    {
        Transport = transport;
        Name = name;
        Window = transport.Settings.InitialConcurrency;
    }

    public TransportState Transport { get; }

    public string Name { get; }

    public double Window { get; set; }

    public double Success { get; set; }

    public double Failure { get; set; }

    public double FailCohorts { get; set; }

    public int Busy { get; set; }

    public LinkedList<DeliveryJob> Todo { get; } = new();

    /// <summary>Non-null while the destination is considered dead; the reason deferred recipients get.</summary>
    public string? ThrottleReason { get; set; }

    public DateTimeOffset ThrottledUntil { get; set; }

    public bool IsThrottled => ThrottleReason is not null;

    public bool CanStart => !IsThrottled && Todo.Count > 0 && Busy < Math.Max(1, (int)Window);
}

/// <summary>A transport's queues and its busy count against the process limit.</summary>
internal sealed class TransportState
{
    public TransportState(TransportSettings settings) => Settings = settings;

    public TransportSettings Settings { get; }

    public Dictionary<string, DestinationQueue> Queues { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<DestinationQueue> RoundRobin { get; } = [];

    public int Cursor { get; set; }

    public int Busy { get; set; }
}
