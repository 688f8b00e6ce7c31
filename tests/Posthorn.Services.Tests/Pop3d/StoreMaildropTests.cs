using System.Text;
using Posthorn.Services.MailStore;
using Posthorn.Services.Pop3d;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Pop3d;

public class StoreMaildropTests
{
    private static void Deliver(string path, string text) =>
        UserMailStore.For(path).Deliver(new MemoryStream(Encoding.ASCII.GetBytes(text)), "s@example.org", DateTimeOffset.Now);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Lists_sizes_with_CRLF_and_UIDL_as_uid_then_uidvalidity(bool maildir)
    {
        using var dir = new TempDir();
        var path = maildir ? dir["box"] + "/" : dir["mbox"];
        Deliver(path, "Subject: a\n\nline\n");
        Deliver(path, "Subject: b\n\nline\nline\n");
        await using var drop = StoreMaildrop.TryOpen(path, MailboxLockOptions.Default)!;
        Assert.Equal(2, drop.Messages.Count);
        Assert.Equal("Subject: a\r\n\r\nline\r\n".Length, drop.Messages[0].Size);
        Assert.Matches("^00000001[0-9a-f]{8}$", drop.Messages[0].Uid);
        Assert.Matches("^00000002[0-9a-f]{8}$", drop.Messages[1].Uid);
        Assert.Equal(drop.Messages[0].Uid[8..], drop.Messages[1].Uid[8..]);
    }

    [Fact]
    public void Uidl_is_eight_hex_digits_of_uid_then_uidvalidity() =>
        Assert.Equal("0000002a4fc34a91", StoreMaildrop.Uidl(0x4fc34a91, 42));

    [Fact]
    public async Task A_second_open_of_the_same_mailbox_is_refused_until_the_first_is_disposed()
    {
        using var dir = new TempDir();
        var path = dir["box"] + "/";
        var first = StoreMaildrop.TryOpen(path, MailboxLockOptions.Default);
        Assert.NotNull(first);
        Assert.Null(StoreMaildrop.TryOpen(dir["box"], MailboxLockOptions.Default));
        await first.DisposeAsync();
        await using var again = StoreMaildrop.TryOpen(path, MailboxLockOptions.Default);
        Assert.NotNull(again);
    }

    [Fact]
    public async Task Commit_expunges_deleted_messages_and_marks_retrieved_ones_seen()
    {
        using var dir = new TempDir();
        var path = dir["box"] + "/";
        Deliver(path, "Subject: a\n\n1\n");
        Deliver(path, "Subject: b\n\n2\n");
        await using (var drop = StoreMaildrop.TryOpen(path, MailboxLockOptions.Default)!)
        {
            Assert.True(await drop.CommitAsync([0], [1], CancellationToken.None));
        }
        using var box = UserMailStore.For(path).Open("INBOX");
        var m = Assert.Single(box.Messages);
        Assert.Equal(2u, m.Uid);
        Assert.True(m.Flags.HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task Disposing_without_commit_changes_nothing()
    {
        using var dir = new TempDir();
        var path = dir["box"] + "/";
        Deliver(path, "Subject: a\n\n1\n");
        await using (var drop = StoreMaildrop.TryOpen(path, MailboxLockOptions.Default)!)
        {
            using var s = await drop.OpenMessageAsync(0, CancellationToken.None);
            Assert.StartsWith("Subject: a", new StreamReader(s).ReadToEnd(), StringComparison.Ordinal);
        }
        using var box = UserMailStore.For(path).Open("INBOX");
        Assert.Equal(MessageFlags.None, Assert.Single(box.Messages).Flags);
    }
}
