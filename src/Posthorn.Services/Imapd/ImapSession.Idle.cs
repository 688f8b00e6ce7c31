using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// IDLE (RFC 2177): "+ idling", then the selected mailbox is watched (MailboxWatcher, polling
/// every quarter second) and changes are sent as untagged EXISTS/EXPUNGE/FETCH at once, until
/// the client sends DONE. The autologout timer (imapd_timeout) still applies.
/// </summary>
internal sealed partial class ImapSession
{
    private static readonly TimeSpan IdlePollInterval = TimeSpan.FromMilliseconds(250);

    private async Task IdleAsync(ImapCommand c)
    {
        SyncSelected(true);
        _w.Continuation("idling");
        await FlushAsync();

        var done = ReadLineAsync();
        while (!done.IsCompleted)
        {
            if (_selected is { } s)
            {
                using var wake = new CancellationTokenSource();
                var watch = MailboxWatcher.WaitForChangeAsync(s.Box, IdlePollInterval, cancel: wake.Token).AsTask();
                var first = await Task.WhenAny(done, watch);
                if (first == done)
                {
                    await wake.CancelAsync();
                    await watch;
                    break;
                }
                if (await watch)
                {
                    s.Sync(_w, allowExpunge: true);
                    await FlushAsync();
                }
            }
            else
            {
                await done;
            }
        }

        var line = await done;
        if (line is not { } l)
        {
            _state = ImapState.Logout;
            return;
        }
        if (!l.Line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, "Expected DONE.");
            return;
        }
        SyncSelected(true);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Idle completed.");
    }
}
