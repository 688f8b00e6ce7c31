using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class MailboxNameTests
{
    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData(".hidden")]
    [InlineData("a..b")]
    [InlineData("a.")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("a\u007fb")]
    [InlineData("")]
    [InlineData("~root")]
    public void Names_that_could_escape_the_store_are_rejected(string name)
    {
        Assert.False(MailboxName.TryValidate(name, out var error));
        Assert.NotEmpty(error);
        Assert.Throws<MailboxNameException>(() => MailboxName.ToDirectoryName(name));
    }

    [Fact]
    public void Overlong_names_are_rejected()
    {
        Assert.False(MailboxName.TryValidate(new string('a', 255), out _));
        Assert.True(MailboxName.TryValidate(new string('a', 254), out _));
    }

    [Theory]
    [InlineData("INBOX", "")]
    [InlineData("inbox", "")]
    [InlineData("Sent", ".Sent")]
    [InlineData("a.b", ".a.b")]
    [InlineData("Entw&APw-rfe", ".Entw&APw-rfe")]
    [InlineData("with space", ".with space")]
    public void Valid_names_map_to_one_directory_entry(string name, string dir)
    {
        Assert.Equal(dir, MailboxName.ToDirectoryName(name));
    }

    [Fact]
    public void Store_operations_reject_escaping_names_and_touch_nothing_outside()
    {
        using var d = new TempDir();
        var root = Path.Combine(d.Path, "Maildir");
        var store = new MaildirStore(root);
        Assert.Throws<MailboxNameException>(() => store.CreateFolder("../../escape"));
        Assert.Throws<MailboxNameException>(() => store.Open("../x"));
        Assert.Throws<MailboxNameException>(() => store.Subscribe("a/../../b"));
        Assert.Throws<MailboxNameException>(() => store.DeleteFolder("INBOX"));
        Assert.Throws<MailboxNameException>(() => UserMailStore.For(root + "/").Deliver(new MemoryStream([1]), "a", DateTimeOffset.UtcNow, "../../x"));
        Assert.All(Directory.GetFileSystemEntries(d.Path), e => Assert.Equal("Maildir", Path.GetFileName(e)));
        Assert.False(Directory.Exists(Path.Combine(d.Path, "escape")));
    }

    [Fact]
    public void Directory_names_on_disk_that_are_not_valid_folders_are_not_listed()
    {
        Assert.Null(MailboxName.FromDirectoryName(".."));
        Assert.Null(MailboxName.FromDirectoryName("."));
        Assert.Null(MailboxName.FromDirectoryName("cur"));
        Assert.Null(MailboxName.FromDirectoryName(".a..b"));
        Assert.Equal("a.b", MailboxName.FromDirectoryName(".a.b"));
    }
}
