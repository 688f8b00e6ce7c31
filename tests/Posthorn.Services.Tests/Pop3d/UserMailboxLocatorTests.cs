using Posthorn.Core.Config;
using Posthorn.Core.Users;
using Posthorn.Services.MailStore;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Pop3d;

public class UserMailboxLocatorTests
{
    private static UserEntry User(string line) => PasswdFile.Parse(line + "\n", "users").Users.Single();

    [Fact]
    public void A_virtual_user_is_found_through_virtual_mailbox_maps_under_the_base()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["vmailbox"], "bob@example.com example.com/bob/\n@other.example other/catchall\n");
        var config = MainConfig.FromText($"virtual_mailbox_base = {dir["vmail"]}\nvirtual_mailbox_maps = texthash:{dir["vmailbox"]}\n");
        var locator = new UserMailboxLocator(config);
        Assert.Equal(dir["vmail"] + "/example.com/bob/", locator.Locate(User("bob@example.com:{PLAIN}x::::::")));
        Assert.Equal(dir["vmail"] + "/other/catchall", locator.Locate(User("ann@other.example:{PLAIN}x::::::")));
    }

    [Fact]
    public void The_mail_extra_field_overrides_with_Dovecot_mail_locations()
    {
        var config = MainConfig.FromText("");
        var locator = new UserMailboxLocator(config);
        Assert.Equal("/home/al/Maildir/", locator.Locate(User("al:{PLAIN}x::::/home/al::mail=maildir:~/Maildir")));
        Assert.Equal("/var/mail/al", locator.Locate(User("al:{PLAIN}x::::/home/al::userdb_mail=mbox:/var/mail/al:INBOX=/var/mail/al")));
        Assert.Equal("/srv/box/", locator.Locate(User("al@example.com:{PLAIN}x::::::mail=/srv/box/")));
    }

    [Fact]
    public void A_local_user_gets_home_mailbox_or_the_spool_file()
    {
        var spool = new UserMailboxLocator(MainConfig.FromText("mail_spool_directory = /var/mail\n"));
        Assert.Equal("/var/mail/al", spool.Locate(User("al:{PLAIN}x::::::")));
        var home = new UserMailboxLocator(MainConfig.FromText("home_mailbox = Maildir/\n"));
        Assert.Equal("/home/al/Maildir/", home.Locate(User("al:{PLAIN}x::::/home/al::")));
        Assert.Throws<MailboxNameException>(() => home.Locate(User("al:{PLAIN}x::::::")));
    }

    [Theory]
    [InlineData("..:{PLAIN}x::::::")]
    [InlineData("../../etc@example.com:{PLAIN}x::::::")]
    [InlineData("al:{PLAIN}x::::::mail=maildir:/srv/../etc/")]
    [InlineData("al:{PLAIN}x::::::mail=maildir:relative/")]
    [InlineData("al:{PLAIN}x::::relative/home::")]
    [InlineData("a/b:{PLAIN}x::::::")]
    [InlineData(".:{PLAIN}x::::::")]
    [InlineData("a/../../b@example.com:{PLAIN}x::::::")]
    [InlineData("al:{PLAIN}x::::::mail=mbox:/var/mail/../../etc/passwd")]
    [InlineData("al:{PLAIN}x::::/home/al::mail=maildir:~/../../etc/")]
    public void Names_and_locations_that_would_leave_the_store_are_refused(string line)
    {
        var locator = new UserMailboxLocator(MainConfig.FromText("mail_spool_directory = /var/mail\n"));
        Assert.Throws<MailboxNameException>(() => locator.Locate(User(line)));
    }

    [Fact]
    public void A_map_result_leaving_the_base_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["vmailbox"], "bob@example.com ../../outside/\nann@example.com /abs/\n");
        var locator = new UserMailboxLocator(MainConfig.FromText($"virtual_mailbox_base = {dir["vmail"]}\nvirtual_mailbox_maps = texthash:{dir["vmailbox"]}\n"));
        Assert.Throws<MailboxNameException>(() => locator.Locate(User("bob@example.com:{PLAIN}x::::::")));
        Assert.Throws<MailboxNameException>(() => locator.Locate(User("ann@example.com:{PLAIN}x::::::")));
    }

    [Fact]
    public void A_user_name_with_NUL_or_newline_is_refused()
    {
        var locator = new UserMailboxLocator(MainConfig.FromText("mail_spool_directory = /var/mail\n"));
        var empty = new Dictionary<string, string>();
        foreach (var name in (string[])["al\0x", "al\nx", "\0"])
            Assert.Throws<MailboxNameException>(() => locator.Locate(new UserEntry(name, "{PLAIN}x", null, null, "", "", "", empty, "users")));
        Assert.Throws<MailboxNameException>(() => locator.Locate(new UserEntry("al", "{PLAIN}x", null, null, "", "", "", new Dictionary<string, string> { ["mail"] = "/srv/a\0b/" }, "users")));
    }

    [Fact]
    public void A_very_long_user_name_stays_one_entry_below_the_spool()
    {
        var name = new string('a', 10_000);
        var locator = new UserMailboxLocator(MainConfig.FromText("mail_spool_directory = /var/mail\n"));
        var path = locator.Locate(User(name + ":{PLAIN}x::::::"));
        Assert.Equal("/var/mail", Path.GetDirectoryName(path));
        Assert.Equal(name, Path.GetFileName(path));
    }

    [Fact]
    public void A_virtual_user_without_a_map_entry_or_home_has_no_mailbox()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["vmailbox"], "bob@example.com example.com/bob/\n");
        var locator = new UserMailboxLocator(MainConfig.FromText($"virtual_mailbox_base = {dir["vmail"]}\nvirtual_mailbox_maps = texthash:{dir["vmailbox"]}\n"));
        Assert.Throws<MailboxNameException>(() => locator.Locate(User("../../x@example.com:{PLAIN}x::::::")));
        Assert.Throws<MailboxNameException>(() => locator.Locate(User("a/b@example.com:{PLAIN}x::::::")));
    }
}
