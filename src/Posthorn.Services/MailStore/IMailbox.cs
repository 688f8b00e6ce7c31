namespace Posthorn.Services.MailStore;

/// <summary>
/// A message as POP3 and IMAP see it: its UID (stable across sessions while UidValidity
/// stays), its size on disk, its size with CRLF line ends (IMAP RFC822.SIZE, POP3 LIST/STAT),
/// its flags and its internal date (arrival time).
/// </summary>
public sealed record MailMessage(uint Uid, long Size, long VirtualSize, MessageFlags Flags, DateTimeOffset InternalDate);

/// <summary>
/// One open mailbox (a Maildir folder or an mbox file) for the mail-access servers. The
/// message list is a snapshot taken by <see cref="Refresh"/>; calls between two refreshes
/// see the same sequence numbers, as POP3 and IMAP need. Not thread-safe: one session, one
/// instance; concurrent sessions and deliveries are kept consistent by the store's locks.
/// </summary>
public interface IMailbox : IDisposable
{
    /// <summary>The folder name ("INBOX", "Sent", "a.b").</summary>
    string Name { get; }

    uint UidValidity { get; }

    /// <summary>The UID the next new message will get.</summary>
    uint UidNext { get; }

    /// <summary>The messages of the last refresh, in UID order.</summary>
    IReadOnlyList<MailMessage> Messages { get; }

    /// <summary>Picks up new deliveries and changes by other sessions; returns the new snapshot.</summary>
    IReadOnlyList<MailMessage> Refresh();

    /// <summary>Opens a message's content as stored (LF line ends in Maildir and mbox); null when it is gone.</summary>
    Stream? OpenMessage(uint uid);

    /// <summary>Replaces a message's flags; false when it is gone.</summary>
    bool SetFlags(uint uid, MessageFlags flags);

    /// <summary>Removes every message flagged Deleted; returns their UIDs and refreshes the snapshot.</summary>
    IReadOnlyList<uint> Expunge();

    /// <summary>Adds a message (IMAP APPEND, COPY); returns its UID.</summary>
    uint Append(Stream content, MessageFlags flags, DateTimeOffset internalDate);

    /// <summary>
    /// A value that changes whenever the mailbox may have changed on disk (new mail, another
    /// session's flags or expunge); IDLE compares it (see <see cref="MailboxWatcher"/>).
    /// </summary>
    string ChangeStamp();
}
