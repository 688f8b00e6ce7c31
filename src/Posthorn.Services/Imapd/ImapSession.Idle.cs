using Posthorn.Protocols.Imap;

namespace Posthorn.Services.Imapd;

/// <summary>
/// IDLE (RFC 2177): "+ idling", then the selected mailbox's change stamp (IMailbox.ChangeStamp,
/// what MailboxWatcher polls) is checked every quarter second and changes are sent as untagged EXISTS/EXPUNGE/FETCH at once, until
/// the client sends DONE. The autologout timer (imapd_timeout) still applies.
/// </summary>
internal sealed partial class ImapSession
{
    private static readonly TimeSpan IdlePollInterval = TimeSpan.FromMilliseconds(250);

    private async Task IdleAsync(ImapCommand c)
    {
        // The stamp is taken before each refresh, so a delivery during one is seen at the next poll.
        var stamp = _selected?.Box.ChangeStamp();
        SyncSelected(true);
        _w.Continuation("idling");
        await FlushAsync();

        var done = ReadLineAsync();
        while (!done.IsCompleted)
        {
            await Task.WhenAny(done, Task.Delay(IdlePollInterval, CancellationToken.None));
            if (done.IsCompleted || _selected is not { } s)
                continue;
            var now = s.Box.ChangeStamp();
            if (now != stamp)
            {
                stamp = now;
                s.Sync(_w, allowExpunge: true);
                await FlushAsync();
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
