using System.Net;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Users;
using Posthorn.Services.Imapd;
using Posthorn.Services.MailStore;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Imapd;

public sealed class ImapdRulesTests
{
    [Theory]
    [InlineData(true, false, "192.0.2.10", "192.0.2.1", false)]
    [InlineData(true, true, "192.0.2.10", "192.0.2.1", true)]
    [InlineData(false, false, "192.0.2.10", "192.0.2.1", true)]
    [InlineData(true, false, "127.0.0.1", "127.0.0.1", true)]
    [InlineData(true, false, "::1", "::1", true)]
    [InlineData(true, false, "192.0.2.1", "192.0.2.1", true)]
    [InlineData(true, false, "::ffff:192.0.2.1", "192.0.2.1", true)]
    public void Plaintext_logins_follow_dovecots_rule(bool disable, bool tls, string remote, string local, bool allowed) =>
        Assert.Equal(allowed, ImapdCapabilities.PlaintextAllowed(disable, tls, IPAddress.Parse(remote), IPAddress.Parse(local)));

    [Fact]
    public void Capability_before_login_offers_starttls_and_logindisabled_without_auth_mechanisms()
    {
        var text = ImapdCapabilities.Format(loggedIn: false, tlsAvailable: true, tlsActive: false, plaintextAllowed: false);
        Assert.StartsWith("IMAP4rev1 ", text, StringComparison.Ordinal);
        Assert.Contains("STARTTLS", text, StringComparison.Ordinal);
        Assert.Contains("LOGINDISABLED", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH=", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Capability_after_login_lists_only_implemented_extensions()
    {
        var text = ImapdCapabilities.Format(loggedIn: true, tlsAvailable: true, tlsActive: false, plaintextAllowed: true);
        Assert.Equal("IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE", text);
    }

    [Fact]
    public void Flags_map_to_maildir_flags_and_back()
    {
        var f = ImapFlags.Parse(["\\Seen", "\\deleted", "$Forwarded", "$Junk"]);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Deleted | MessageFlags.Passed, f);
        Assert.Equal(["\\Seen", "\\Deleted", "$Forwarded", "\\Recent"], ImapFlags.ToList(f, recent: true));
        Assert.Empty(ImapFlags.ToList(MessageFlags.None, recent: false));
    }

    [Fact]
    public void Stored_lf_becomes_crlf_on_the_wire_and_back()
    {
        Assert.Equal("a\r\nb\r\n\r\nc"u8.ToArray(), MessageContent.ToCrlf("a\nb\r\n\nc"u8));
        Assert.Equal("a\nb\n\rc"u8.ToArray(), MessageContent.ToLf("a\r\nb\r\n\rc"u8));
    }

    [Fact]
    public void Settings_default_to_postfix_and_rfc_values()
    {
        var s = ImapdSettings.FromConfig(MainConfig.FromText(""));
        Assert.Equal(10240000, s.Limits.MaxLiteralSize);
        Assert.Equal(65536, s.Limits.MaxLineLength);
        Assert.Equal(TimeSpan.FromMinutes(30), s.Timeout);
        Assert.True(s.LoginTimeout < s.Timeout);
        Assert.True(s.DisablePlaintextAuth);
        Assert.False(s.WrapperMode);
        var t = ImapdSettings.FromConfig(MainConfig.FromText("message_size_limit = 5000\nimapd_tls_wrappermode = yes\n"));
        Assert.Equal(5000, t.Limits.MaxLiteralSize);
        Assert.True(t.WrapperMode);
    }

    [Fact]
    public void Resolver_finds_virtual_users_through_virtual_mailbox_maps_and_local_users_by_home()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["vmailbox"], "bob@example.com example.com/bob/\nevil@example.com ../../etc/\n");
        var config = MainConfig.FromText($"virtual_mailbox_base = {dir.Path}/vmail\nvirtual_mailbox_maps = texthash:{dir["vmailbox"]}\nhome_mailbox = Maildir/\n");
        var resolver = new UserMailboxLocator(config);
        Assert.Equal($"{dir.Path}/vmail/example.com/bob/", resolver.Locate(User("bob@example.com", "")));
        Assert.Equal("/home/alice/Maildir/", resolver.Locate(User("alice", "/home/alice")));
        Assert.Throws<MailboxNameException>(() => resolver.Locate(User("carol@example.com", "")));
        Assert.Throws<MailboxNameException>(() => resolver.Locate(User("evil@example.com", "")));
    }

    private static UserEntry User(string name, string home) =>
        new(name, "{PLAIN}x", null, null, "", home, "", new Dictionary<string, string>(), "test");

    [Fact]
    public void Resolver_uses_the_mail_spool_without_home_mailbox()
    {
        var config = MainConfig.FromText("mail_spool_directory = /var/mail\n");
        Assert.Equal("/var/mail/alice", new UserMailboxLocator(config).Locate(User("alice", "/home/alice")));
        Assert.Equal(Encoding.ASCII.GetBytes("x"), "x"u8.ToArray());
    }
}
