using Posthorn.Core.Queue;
using Posthorn.Services.Bounce;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// A message in the active queue as the queue manager keeps it (Postfix's QMGR_MESSAGE): the
/// queue file as read, when it entered active, whether it was flushed (defer_transports do
/// not hold it back), whether any recipient was deferred this round, whether the delay
/// warning was already sent, and the recipients whose delivery the sender asked to hear
/// about (NOTIFY=SUCCESS).
/// </summary>
internal sealed class ActiveMessage
{
    public ActiveMessage(QueueFile file, DateTimeOffset activeTime, bool flushed)
    {
        File = file;
        ActiveTime = activeTime;
        Flushed = flushed;
    }

    public QueueFile File { get; }

    public string QueueId => File.QueueId;

    public DateTimeOffset ActiveTime { get; }

    public bool Flushed { get; }

    public bool AnyDeferred { get; set; }

    public bool DelayWarned { get; set; }

    public List<RecipientStatus> Successes { get; } = [];

    /// <summary>Recipients already recorded durably (done, or in the bounce log); guarded by locking the message.</summary>
    public HashSet<int> Persisted { get; } = [];
}
