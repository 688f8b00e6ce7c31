using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// VIRTUAL_README's two kinds of virtual domain and relocated(5) in a running system:
/// virtual_alias_domains with virtual_alias_maps (one address to several, and a rewrite into a
/// virtual mailbox), virtual_mailbox_domains with virtual_mailbox_maps (a trailing / is a
/// Maildir, otherwise an mbox under virtual_mailbox_base), and relocated_maps: smtpd answers
/// 550 5.1.6 with the new address, and mail that got in anyway bounces with 5.1.6.
/// </summary>
public sealed class VirtualDomainsTests
{
    [Fact]
    public void Virtual_alias_and_mailbox_domains_deliver_into_maildir_and_mbox()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var alice = lab.AddUser("alice");
        var vmail = Path.Combine(lab.Dir, "vmail");
        Directory.CreateDirectory(vmail);
        MailSystem.Run("chown", ["nobody:nogroup", vmail]);
        File.WriteAllText(Path.Combine(lab.Dir, "virtual"), $"""
            sales@valias.test   {alice}, carol@vmail.test
            info@valias.test    dave@vmail.test
            @valias.test        carol@vmail.test
            """ + "\n");
        File.WriteAllText(Path.Combine(lab.Dir, "vmailbox"), "carol@vmail.test vmail.test/carol/\ndave@vmail.test vmail.test/dave\n");
        File.WriteAllText(Path.Combine(lab.Dir, "relocated"), "oldboss@example.test newboss@elsewhere.example\n");
        var nobody = MailSystem.Run("id", ["-u", "nobody"]).Stdout.Trim();
        var nogroup = MailSystem.Run("id", ["-g", "nobody"]).Stdout.Trim();
        lab.AppendMainCf($"""
            virtual_alias_domains = valias.test
            virtual_alias_maps = texthash:{lab.Dir}/virtual
            virtual_mailbox_domains = vmail.test
            virtual_mailbox_base = {vmail}
            virtual_mailbox_maps = texthash:{lab.Dir}/vmailbox
            virtual_uid_maps = static:{nobody}
            virtual_gid_maps = static:{nogroup}
            virtual_minimum_uid = 100
            relocated_maps = texthash:{lab.Dir}/relocated
            """);
        lab.Start();

        lab.Send("bob@example.org", ["sales@valias.test"], "Subject: fan-out\n\nFrom sales\n");
        Assert.Contains("Subject: fan-out", lab.WaitForMbox(Path.Combine(lab.Spool, alice)), StringComparison.Ordinal);
        var carol = Path.Combine(vmail, "vmail.test", "carol");
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.MaildirNew(carol).Length == 1), lab.Log);
        var carolMail = File.ReadAllText(DeliveryLab.MaildirNew(carol)[0]);
        Assert.Contains("Delivered-To: carol@vmail.test", carolMail, StringComparison.Ordinal);
        Assert.Contains("X-Original-To: sales@valias.test", carolMail, StringComparison.Ordinal);

        lab.Send("bob@example.org", ["info@valias.test"], "Subject: rewritten\n\nFrom info\n");
        var dave = lab.WaitForMbox(Path.Combine(vmail, "vmail.test", "dave"));
        Assert.StartsWith("From bob@example.org  ", dave, StringComparison.Ordinal);
        Assert.Contains("Delivered-To: dave@vmail.test", dave, StringComparison.Ordinal);
        Assert.Contains("\n>From info\n", dave, StringComparison.Ordinal);

        lab.Send("bob@example.org", ["anyone@valias.test"], "Subject: catch-all\n\nx\n");
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.MaildirNew(carol).Length == 2), lab.Log);

        var reply = lab.RcptReply("bob@example.org", "nosuch@vmail.test");
        Assert.StartsWith("550 5.1.1 <nosuch@vmail.test>: Recipient address rejected: User unknown in virtual mailbox table", reply, StringComparison.Ordinal);
        Assert.Equal("nobody", MailSystem.Run("stat", ["-c", "%U", DeliveryLab.MaildirNew(carol)[0]]).Stdout.Trim());
    }

    [Fact]
    public void Relocated_user_is_refused_with_5_1_6_and_the_new_address()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var bob = lab.AddUser("bob");
        File.WriteAllText(Path.Combine(lab.Dir, "relocated"), "oldboss@example.test newboss@elsewhere.example\n");
        lab.AppendMainCf($"relocated_maps = texthash:{lab.Dir}/relocated");
        lab.Start();

        var reply = lab.RcptReply($"{bob}@example.test", "oldboss@example.test");
        Assert.Equal("550 5.1.6 <oldboss@example.test>: Recipient address rejected: User has moved to newboss@elsewhere.example", reply);

        // Mail that does not come through smtpd (sendmail) is bounced by the queue manager.
        lab.Sendmail(bob, ["oldboss"], "Subject: where are you\n\nx\n");
        var bounce = lab.WaitForMbox(Path.Combine(lab.Spool, bob));
        Assert.Contains("Status: 5.1.6", bounce, StringComparison.Ordinal);
        Assert.Contains("User has moved to newboss@elsewhere.example", bounce, StringComparison.Ordinal);
        Assert.Contains("dsn=5.1.6, status=bounced (User has moved to newboss@elsewhere.example)", lab.Log, StringComparison.Ordinal);
    }
}
