using System.Text;
using Posthorn.Protocols.Imap;
using Posthorn.Services.Imapd;
using Posthorn.Services.MailStore;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Imapd;

public sealed class SelectedMailboxTests
{
    private static void Deliver(UserMailStore store, string subject)
    {
        using var s = new MemoryStream(Encoding.ASCII.GetBytes($"Subject: {subject}\n\nbody\n"));
        store.Deliver(s, "a@example.org", DateTimeOffset.Now);
    }

    private static (TempDir Dir, UserMailStore Store) Store(int messages)
    {
        var dir = new TempDir();
        var store = UserMailStore.For(dir.Path + "/");
        for (int i = 0; i < messages; i++)
            Deliver(store, "m" + i);
        return (dir, store);
    }

    [Fact]
    public void Expunges_by_another_session_are_held_back_while_expunge_may_not_be_sent()
    {
        var (dir, store) = Store(3);
        using var _ = dir;
        using var selected = new SelectedMailbox(Open(store), readOnly: false);
        using (var other = Open(store))
        {
            other.SetFlags(other.Messages[1].Uid, MessageFlags.Deleted);
            other.Expunge();
        }

        var w = new ImapResponseWriter();
        selected.Sync(w, allowExpunge: false);
        Assert.DoesNotContain("EXPUNGE", w.ToString(), StringComparison.Ordinal);
        Assert.Equal(3u, selected.Count);
        Assert.True(selected.View[1].Gone);

        w.Clear();
        selected.Sync(w, allowExpunge: true);
        Assert.Equal("* 2 EXPUNGE\r\n", w.ToString());
        Assert.Equal(2u, selected.Count);
    }

    [Fact]
    public void New_mail_is_announced_as_exists_and_recent()
    {
        var (dir, store) = Store(1);
        using var _ = dir;
        using var selected = new SelectedMailbox(Open(store), readOnly: false);
        Deliver(store, "new");
        var w = new ImapResponseWriter();
        selected.Sync(w, allowExpunge: true);
        Assert.Equal("* 2 EXISTS\r\n* 1 RECENT\r\n", w.ToString());
        Assert.True(selected.IsRecent(selected.View[1].Uid));
    }

    [Fact]
    public void Flag_changes_by_another_session_are_sent_as_fetch_flags()
    {
        var (dir, store) = Store(2);
        using var _ = dir;
        using var selected = new SelectedMailbox(Open(store), readOnly: false);
        using (var other = Open(store))
            other.SetFlags(other.Messages[0].Uid, MessageFlags.Seen | MessageFlags.Flagged);
        var w = new ImapResponseWriter();
        selected.Sync(w, allowExpunge: true);
        Assert.Equal("* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\n", w.ToString());
    }

    [Fact]
    public void Uid_sets_resolve_to_view_positions()
    {
        var (dir, store) = Store(3);
        using var _ = dir;
        using var selected = new SelectedMailbox(Open(store), readOnly: true);
        Assert.True(ImapSequenceSet.TryParse("2:*", out var set));
        Assert.Equal([1, 2], selected.Resolve(set, uid: true));
        Assert.Equal([1, 2], selected.Resolve(set, uid: false));
        Assert.True(ImapSequenceSet.TryParse("99", out var none));
        Assert.Empty(selected.Resolve(none, uid: true));
    }

    private static IMailbox Open(UserMailStore store)
    {
        var box = store.Open("INBOX");
        box.Refresh();
        return box;
    }
}
