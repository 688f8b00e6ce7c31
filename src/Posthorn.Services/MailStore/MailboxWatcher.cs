namespace Posthorn.Services.MailStore;

/// <summary>
/// Change notification for IMAP IDLE (RFC 2177) by polling: every interval the mailbox's
/// <see cref="IMailbox.ChangeStamp"/> (modification times of new/, cur/ and the uid list, or
/// the mbox's size and time) is compared with the last one. Polling was chosen over
/// FileSystemWatcher because it behaves the same for Maildir and mbox, over NFS, and without
/// inotify watch limits, and a delivery costs nothing extra; the IMAP server picks the interval
/// (Dovecot's mailbox_idle_check_interval is 30s).
/// </summary>
public static class MailboxWatcher
{
    /// <summary>Completes when the mailbox changes (true) or the token is cancelled (false).</summary>
    public static async ValueTask<bool> WaitForChangeAsync(IMailbox mailbox, TimeSpan interval, TimeProvider? time = null, CancellationToken cancel = default)
    {
        time ??= TimeProvider.System;
        var before = mailbox.ChangeStamp();
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancel);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            if (mailbox.ChangeStamp() != before)
                return true;
        }
        return false;
    }
}
