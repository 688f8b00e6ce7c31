using System.Text;
using Posthorn.Core.Config;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class MaildirStoreTests
{
    [Fact]
    public void Default_folders_are_Maildir_plus_plus_folders_with_maildirfolder_and_subscriptions()
    {
        using var d = new TempDir();
        var store = new MaildirStore(d.Path);
        store.CreateDefaultFolders();
        foreach (var f in new[] { ".Sent", ".Drafts", ".Trash", ".Junk" })
        {
            Assert.True(File.Exists(Path.Combine(d.Path, f, "maildirfolder")));
            Assert.True(Directory.Exists(Path.Combine(d.Path, f, "cur")));
        }
        Assert.Equal(["INBOX", "Drafts", "Junk", "Sent", "Trash"], store.ListFolders());
        Assert.Equal("Drafts\nSent\nTrash\nJunk\n", File.ReadAllText(Path.Combine(d.Path, "subscriptions")));
    }

    [Fact]
    public void Nested_folders_use_dots()
    {
        using var d = new TempDir();
        var store = new MaildirStore(d.Path);
        Assert.True(store.CreateFolder("Work.2026.Q4"));
        Assert.False(store.CreateFolder("Work.2026.Q4"));
        Assert.True(Directory.Exists(Path.Combine(d.Path, ".Work.2026.Q4", "new")));
        Assert.Contains("Work.2026.Q4", store.ListFolders());
    }

    [Fact]
    public void Rename_moves_children_and_delete_unsubscribes()
    {
        using var d = new TempDir();
        var store = new MaildirStore(d.Path);
        store.CreateFolder("a");
        store.CreateFolder("a.x");
        store.Subscribe("a");
        store.RenameFolder("a", "b");
        Assert.Equal(["INBOX", "b", "b.x"], store.ListFolders());
        store.Subscribe("b");
        Assert.True(store.DeleteFolder("b"));
        Assert.DoesNotContain("b", store.Subscriptions());
        Assert.Throws<MailboxNotFoundException>(() => store.Open("b"));
    }

    [Fact]
    public void Folders_keep_their_own_uid_lists()
    {
        using var d = new TempDir();
        var user = UserMailStore.For(d.Path + "/");
        user.Maildir!.CreateFolder("Sent");
        user.Deliver(new MemoryStream(Encoding.ASCII.GetBytes("a\n")), "s", DateTimeOffset.UtcNow);
        user.Deliver(new MemoryStream(Encoding.ASCII.GetBytes("b\n")), "s", DateTimeOffset.UtcNow, "Sent");
        using var inbox = user.Open("inbox");
        using var sent = user.Open("Sent");
        Assert.Equal([1u], inbox.Messages.Select(m => m.Uid));
        Assert.Equal([1u], sent.Messages.Select(m => m.Uid));
        Assert.True(File.Exists(Path.Combine(d.Path, ".Sent", UidList.FileName)));
        Assert.Throws<MailboxNotFoundException>(() => user.Deliver(new MemoryStream([65]), "s", DateTimeOffset.UtcNow, "Nope"));
    }

    [Fact]
    public void Mbox_users_have_INBOX_only()
    {
        using var d = new TempDir();
        var user = UserMailStore.For(Path.Combine(d.Path, "alice"));
        Assert.Null(user.Maildir);
        user.Deliver(new MemoryStream(Encoding.ASCII.GetBytes("S: x\n\nx\n")), "bob@example.com", DateTimeOffset.UtcNow);
        using var box = user.Open("INBOX");
        Assert.Single(box.Messages);
        Assert.Equal(["INBOX"], user.ListFolders());
        Assert.Throws<MailboxNotFoundException>(() => user.Open("Sent"));
    }

    [Fact]
    public void Mailbox_paths_follow_Postfix_rules()
    {
        var c = MainConfig.FromText("virtual_mailbox_base = /var/vmail\nmail_spool_directory = /var/mail\n");
        Assert.Equal("/var/vmail/example.com/bob/", UserMailStore.VirtualMailboxPath(c, "example.com/bob/"));
        Assert.Throws<MailboxNameException>(() => UserMailStore.VirtualMailboxPath(c, "../etc/x"));
        Assert.Throws<MailboxNameException>(() => UserMailStore.VirtualMailboxPath(c, "/etc/x"));
        Assert.Equal("/var/mail/alice", UserMailStore.LocalMailboxPath(c, "alice", "/home/alice"));
        var h = MainConfig.FromText("home_mailbox = Maildir/\n");
        Assert.Equal("/home/alice/Maildir/", UserMailStore.LocalMailboxPath(h, "alice", "/home/alice"));
        Assert.True(UserMailStore.IsMaildirPath("/home/alice/Maildir/"));
    }

    [Fact]
    public async Task Watcher_reports_new_mail()
    {
        using var d = new TempDir();
        using var box = MaildirMailbox.Open(d.Path);
        var wait = MailboxWatcher.WaitForChangeAsync(box, TimeSpan.FromMilliseconds(20)).AsTask();
        await Task.Delay(50);
        MaildirWriter.Deliver(d.Path, new MemoryStream(Encoding.ASCII.GetBytes("x\n")), DateTimeOffset.UtcNow);
        Assert.True(await wait.WaitAsync(TimeSpan.FromSeconds(10)));
        using var cts = new CancellationTokenSource(50);
        Assert.False(await MailboxWatcher.WaitForChangeAsync(box, TimeSpan.FromMilliseconds(10), cancel: cts.Token));
    }
}
