using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Tests.Smtpd.Restrictions;

public class SmtpdRestrictionsTests
{
    private static async Task<string?> Rcpt(RestrictionsFixture f, SmtpdCheckState s, string sender, string recipient)
    {
        s.Sender = sender;
        s.Where = "RCPT";
        return await f.Restrictions.CheckRcptAsync(s, recipient);
    }

    [Fact]
    public async Task Relay_from_outside_mynetworks_is_deferred_by_default_relay_restrictions()
    {
        using var f = new RestrictionsFixture();
        var reply = await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "someone@remote.org");
        Assert.Equal("454 4.7.1 <someone@remote.org>: Relay access denied", reply);
        Assert.Contains("NOQUEUE: reject: RCPT from client.example.org[192.0.2.10]: 454 4.7.1 <someone@remote.org>: Relay access denied; from=<a@sender.org> to=<someone@remote.org> proto=ESMTP helo=<client.example.org>", f.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_refused_with_554_under_reject_unauth_destination()
    {
        using var f = new RestrictionsFixture("smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination");
        var reply = await Rcpt(f, RestrictionsFixture.Client("127.0.0.2"), "a@sender.org", "someone@remote.org");
        Assert.Null(reply);
        using var g = new RestrictionsFixture("smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\nmynetworks = 127.0.0.1/32");
        reply = await Rcpt(g, RestrictionsFixture.Client("127.0.0.2"), "a@sender.org", "someone@remote.org");
        Assert.Equal("554 5.7.1 <someone@remote.org>: Relay access denied", reply);
    }

    [Fact]
    public async Task Mail_for_our_own_domain_is_accepted_from_anywhere()
    {
        using var f = new RestrictionsFixture();
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "kdent@example.com"));
    }

    [Fact]
    public async Task Relay_domains_are_authorized_destinations()
    {
        using var f = new RestrictionsFixture("relay_domains = stud.cgri.edu");
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "user1stud@stud.cgri.edu"));
    }

    [Fact]
    public async Task Authenticated_client_may_relay()
    {
        using var f = new RestrictionsFixture();
        var s = RestrictionsFixture.Client();
        s.SaslMethod = "PLAIN";
        s.SaslUsername = "user1";
        Assert.Null(await Rcpt(f, s, "user1@example.com", "someone@remote.org"));
    }

    [Fact]
    public async Task Unknown_local_user_is_550_5_1_1()
    {
        var maps = new TestMaps().Add("hash:/etc/aliases", "postmaster", "root").Add("hash:/etc/aliases", "root", "kdent");
        using var f = new RestrictionsFixture("local_recipient_maps = hash:/etc/aliases", maps);
        var reply = await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "nosuchuser@example.com");
        Assert.Equal("550 5.1.1 <nosuchuser@example.com>: Recipient address rejected: User unknown in local recipient table", reply);
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "root@example.com"));
    }

    [Fact]
    public async Task Unknown_virtual_mailbox_user_is_rejected()
    {
        var maps = new TestMaps().Add("hash:/vmb", "info@ora.com", "ora.com/info/");
        using var f = new RestrictionsFixture("virtual_mailbox_domains = ora.com\nvirtual_mailbox_maps = hash:/vmb", maps);
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "info@ora.com"));
        Assert.Equal("550 5.1.1 <nobody@ora.com>: Recipient address rejected: User unknown in virtual mailbox table",
            await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "nobody@ora.com"));
    }

    [Fact]
    public async Task Relay_recipient_maps_reject_unknown_users_at_the_backup_mx()
    {
        var maps = new TestMaps().Add("hash:/rr", "user1stud@stud.cgri.edu", "x");
        using var f = new RestrictionsFixture("relay_domains = stud.cgri.edu\nrelay_recipient_maps = hash:/rr", maps);
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "user1stud@stud.cgri.edu"));
        Assert.Equal("550 5.1.1 <bogus@stud.cgri.edu>: Recipient address rejected: User unknown in relay recipient table",
            await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "bogus@stud.cgri.edu"));
    }

    [Fact]
    public async Task Sender_access_reject_with_text()
    {
        var maps = new TestMaps().Add("hash:/sa", "spammer.org", "REJECT no thanks");
        using var f = new RestrictionsFixture("smtpd_sender_restrictions = check_sender_access hash:/sa", maps);
        var reply = await Rcpt(f, RestrictionsFixture.Client(), "bob@mail.spammer.org", "kdent@example.com");
        Assert.Equal("554 5.7.1 <bob@mail.spammer.org>: Sender address rejected: no thanks", reply);
    }

    [Fact]
    public async Task Access_action_with_explicit_code_and_status()
    {
        var maps = new TestMaps().Add("hash:/ca", "192.0.2", "450 4.7.1 come back later");
        using var f = new RestrictionsFixture("smtpd_client_restrictions = check_client_access hash:/ca", maps);
        var reply = await f.Restrictions.CheckClientAsync(RestrictionsFixture.Client());
        Assert.Equal("450 4.7.1 <client.example.org[192.0.2.10]>: Client host rejected: come back later", reply);
    }

    [Fact]
    public async Task Delayed_client_rejection_is_reported_at_rcpt()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = reject");
        var reply = await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "kdent@example.com");
        Assert.Equal("554 5.7.1 <client.example.org[192.0.2.10]>: Client host rejected: Access denied", reply);
    }

    [Fact]
    public async Task Warn_if_reject_logs_and_accepts()
    {
        using var f = new RestrictionsFixture("smtpd_helo_restrictions = warn_if_reject reject_non_fqdn_helo_hostname");
        var s = RestrictionsFixture.Client();
        s.HeloName = "localhost";
        Assert.Null(await Rcpt(f, s, "a@sender.org", "kdent@example.com"));
        Assert.Contains("reject_warning: RCPT from client.example.org[192.0.2.10]: 504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", f.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_helo_hostname_is_501()
    {
        using var f = new RestrictionsFixture("smtpd_helo_restrictions = reject_invalid_helo_hostname");
        var reply = await f.Restrictions.CheckHeloAsync(RestrictionsFixture.Client(), "bad_host..name");
        Assert.Equal("501 5.5.2 <bad_host..name>: Helo command rejected: Invalid name", reply);
    }

    [Fact]
    public async Task Non_fqdn_sender_is_504()
    {
        using var f = new RestrictionsFixture("smtpd_sender_restrictions = reject_non_fqdn_sender");
        var reply = await f.Restrictions.CheckMailAsync(RestrictionsFixture.Client(), "user@localhost");
        Assert.Equal("504 5.5.2 <user@localhost>: Sender address rejected: need fully-qualified address", reply);
    }

    [Fact]
    public async Task Defer_if_permit_turns_a_later_permit_into_450()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = defer_if_permit, permit");
        var reply = await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "kdent@example.com");
        Assert.Equal("450 4.7.0 <client.example.org[192.0.2.10]>: Client host rejected: defer_if_permit requested", reply);
    }

    [Fact]
    public async Task Defer_if_reject_turns_a_later_reject_into_450()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = defer_if_reject, reject");
        var reply = await f.Restrictions.CheckClientAsync(RestrictionsFixture.Client());
        Assert.Equal("450 4.7.0 <client.example.org[192.0.2.10]>: Client host rejected: defer_if_reject requested", reply);
    }

    [Fact]
    public async Task Restriction_class_named_in_an_access_table()
    {
        var maps = new TestMaps().Add("hash:/ra", "example.com", "local_only");
        using var f = new RestrictionsFixture("""
            smtpd_restriction_classes = local_only
            local_only = permit_mynetworks, reject
            smtpd_recipient_restrictions = check_recipient_access hash:/ra
            """, maps);
        Assert.Equal("554 5.7.1 <kdent@example.com>: Recipient address rejected: Access denied",
            await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "kdent@example.com"));
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client("127.0.0.1"), "a@sender.org", "kdent@example.com"));
    }

    [Fact]
    public async Task Discard_and_hold_are_left_for_the_session()
    {
        var maps = new TestMaps().Add("hash:/sa", "bulk.org", "DISCARD").Add("hash:/sa", "slow.org", "HOLD suspicious");
        using var f = new RestrictionsFixture("smtpd_sender_restrictions = check_sender_access hash:/sa", maps);
        var s = RestrictionsFixture.Client();
        Assert.Null(await Rcpt(f, s, "x@bulk.org", "kdent@example.com"));
        Assert.True(s.Discard);
        var t = RestrictionsFixture.Client();
        Assert.Null(await Rcpt(f, t, "x@slow.org", "kdent@example.com"));
        Assert.Equal("suspicious", t.HoldReason);
    }

    [Fact]
    public async Task Unknown_sender_domain_uses_dns()
    {
        using var f = new RestrictionsFixture("smtpd_sender_restrictions = reject_unknown_sender_domain");
        f.Dns.Answers["good.org"] = DnsLookupStatus.Ok;
        f.Dns.Answers["flaky.org"] = DnsLookupStatus.Retry;
        Assert.Null(await f.Restrictions.CheckMailAsync(RestrictionsFixture.Client(), "a@good.org"));
        Assert.Equal("450 4.1.8 <a@nowhere.invalid>: Sender address rejected: Domain not found",
            await f.Restrictions.CheckMailAsync(RestrictionsFixture.Client(), "a@nowhere.invalid"));
        Assert.Equal("450 4.1.8 <a@flaky.org>: Sender address rejected: Domain not found",
            await Rcpt(f, RestrictionsFixture.Client(), "a@flaky.org", "kdent@example.com"));
    }

    [Fact]
    public async Task Sender_login_mismatch()
    {
        var maps = new TestMaps().Add("hash:/login", "user1@example.com", "user1");
        using var f = new RestrictionsFixture("smtpd_sender_login_maps = hash:/login\nsmtpd_sender_restrictions = reject_sender_login_mismatch", maps);
        var s = RestrictionsFixture.Client();
        s.SaslMethod = "PLAIN";
        s.SaslUsername = "user2";
        Assert.Equal("553 5.7.1 <user1@example.com>: Sender address rejected: not owned by user user2",
            await f.Restrictions.CheckMailAsync(s, "user1@example.com"));
        Assert.Equal("553 5.7.1 <user1@example.com>: Sender address rejected: not logged in",
            await f.Restrictions.CheckMailAsync(RestrictionsFixture.Client(), "user1@example.com"));
    }

    [Fact]
    public async Task Table_that_cannot_be_opened_is_a_temporary_lookup_failure()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = check_client_access missing:/etc/access");
        Assert.StartsWith("451 4.3.0 <", await f.Restrictions.CheckClientAsync(RestrictionsFixture.Client()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_restriction_is_a_server_configuration_error()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = no_such_restriction");
        Assert.Equal("451 4.3.5 Server configuration error", await f.Restrictions.CheckClientAsync(RestrictionsFixture.Client()));
        Assert.Contains("warning: unknown smtpd restriction: \"no_such_restriction\"", f.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Soft_bounce_turns_5xx_into_4xx()
    {
        using var f = new RestrictionsFixture("soft_bounce = yes\nsmtpd_client_restrictions = reject");
        Assert.Equal("454 4.7.1 <client.example.org[192.0.2.10]>: Client host rejected: Access denied",
            await f.Restrictions.CheckClientAsync(RestrictionsFixture.Client()));
    }

    [Fact]
    public async Task Postmaster_is_always_accepted()
    {
        using var f = new RestrictionsFixture("smtpd_client_restrictions = reject");
        Assert.Null(await Rcpt(f, RestrictionsFixture.Client(), "a@sender.org", "postmaster"));
    }

    [Fact]
    public void Message_size_over_limit_is_552()
    {
        using var f = new RestrictionsFixture("message_size_limit = 1000");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", f.Restrictions.CheckSize(RestrictionsFixture.Client(), 1001));
        Assert.Null(f.Restrictions.CheckSize(RestrictionsFixture.Client(), 1000));
    }
}
