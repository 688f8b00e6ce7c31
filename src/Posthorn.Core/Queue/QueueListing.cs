namespace Posthorn.Core.Queue;

/// <summary>One recipient as a queue listing shows it: address, original address, and a reason from the defer or bounce log.</summary>
/// <param name="LogClass">"defer" or "bounce" when the reason came from that log; "" otherwise.</param>
public sealed record ListedRecipient(string Address, string OriginalAddress, string LogClass, string Reason);

/// <summary>One queue file as showq(8) reports it.</summary>
/// <param name="MessageSize">Content bytes (header and body), as the size record holds them.</param>
public sealed record ListedMessage(string QueueName, string QueueId, DateTimeOffset ArrivalTime, long MessageSize,
    bool ForcedExpire, string Sender, IReadOnlyList<ListedRecipient> Recipients);

/// <summary>
/// What showq(8) does for postqueue -p/-j and mailq: walks the maildrop, active, incoming,
/// deferred and hold queues in that order, reads each ready queue file, and lists its arrival
/// time, size, sender and the recipients not yet done; recipients with an entry in the
/// message's defer or bounce log come first, with that log's reason, and are not repeated.
/// The null sender shows as empty_address_recipient (MAILER-DAEMON). Files that are not
/// ready, are damaged or vanish while listed are skipped, as showq skips them.
/// </summary>
public static class QueueListing
{
    /// <summary>The queues showq lists, in its order.</summary>
    public static IReadOnlyList<string> ListedQueues { get; } =
        [QueueNames.Maildrop, QueueNames.Active, QueueNames.Incoming, QueueNames.Deferred, QueueNames.Hold];

    /// <summary>Every message, queue by queue.</summary>
    public static IEnumerable<ListedMessage> List(QueueDirectory queue, string emptyAddress = "MAILER-DAEMON")
    {
        ArgumentNullException.ThrowIfNull(queue);
        foreach (var name in ListedQueues)
        {
            foreach (var id in queue.Enumerate(name).Order(StringComparer.Ordinal))
            {
                var message = Describe(queue, name, id, emptyAddress);
                if (message is not null)
                    yield return message;
            }
        }
    }

    /// <summary>One message, or null when the file is not ready, unreadable or gone.</summary>
    public static ListedMessage? Describe(QueueDirectory queue, string queueName, string queueId, string emptyAddress = "MAILER-DAEMON")
    {
        ArgumentNullException.ThrowIfNull(queue);
        var path = queue.PathOf(queueName, queueId);
        if (!QueueDirectory.IsReady(path))
            return null;
        var read = QueueFileReader.Read(path);
        if (!read.Ok || read.File is null)
            return null;
        var file = read.File;
        var recipients = new List<ListedRecipient>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var log in new[] { QueueNames.Defer, QueueNames.Bounce })
        {
            foreach (var e in DeferLog.Read(queue, log, queueId))
            {
                var shown = Quoted(e.Recipient);
                seen.Add(shown);
                recipients.Add(new ListedRecipient(shown, Quoted(e.OriginalRecipient ?? e.Recipient), log, e.Reason));
            }
        }
        foreach (var r in file.Recipients)
        {
            if (r.Done)
                continue;
            var address = r.Address.Length == 0 ? emptyAddress : Quoted(r.Address);
            if (seen.Contains(address))
                continue;
            recipients.Add(new ListedRecipient(address, r.OriginalRecipient is null ? address : Quoted(r.OriginalRecipient), "", ""));
        }
        return new ListedMessage(queueName, queueId, file.ArrivalTime, file.ContentLength, false,
            file.Sender.Length == 0 ? emptyAddress : Quoted(file.Sender), recipients);
    }

    /// <summary>
    /// An internal-form address as showq shows it (Postfix's quote_822_local): the local part
    /// quoted when it is not a dot-atom ("john doe"@example.com).
    /// </summary>
    public static string Quoted(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        int at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        if (local.Length == 0 || Addressing.MailAddressSyntax.IsDotAtom(local))
            return address;
        return Addressing.MailAddressSyntax.Quote(local) + (at < 0 ? "" : address[at..]);
    }

    /// <summary>
    /// The queue holding a message, searching the queues postsuper(1) and postcat(1) search
    /// (incoming, active, deferred, hold, maildrop), or null.
    /// </summary>
    public static string? FindQueue(QueueDirectory queue, string queueId)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (!QueueId.IsValid(queueId))
            return null;
        foreach (var name in SearchedQueues)
            if (File.Exists(queue.PathOf(name, queueId)))
                return name;
        return null;
    }

    /// <summary>The queues that hold message files, in the order postcat -q searches them.</summary>
    public static IReadOnlyList<string> SearchedQueues { get; } =
        [QueueNames.Incoming, QueueNames.Active, QueueNames.Deferred, QueueNames.Hold, QueueNames.Maildrop];
}
