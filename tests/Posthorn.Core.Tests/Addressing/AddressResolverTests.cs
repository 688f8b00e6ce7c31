using Posthorn.Core.Addressing;
using Posthorn.Core.Tests.Matching;

namespace Posthorn.Core.Tests.Addressing;

public class AddressResolverTests
{
    private static AddressResolver Resolver(string extra = "", FakeMaps? maps = null) =>
        new(AddressingConfig.With(extra), maps ?? new FakeMaps());

    [Fact]
    public void Mydestination_domain_is_local_class_with_local_transport_nexthop()
    {
        var r = Resolver().Resolve("kdent@example.com");
        Assert.Equal(AddressClass.Local, r.Class);
        Assert.Equal("local", r.Transport);
        Assert.Equal("mail.example.com", r.Nexthop);
        Assert.Equal("kdent@example.com", r.Recipient);
    }

    [Fact]
    public void Bare_user_gets_myhostname()
    {
        var r = Resolver().Resolve("root");
        Assert.Equal("root@mail.example.com", r.Recipient);
        Assert.Equal(AddressClass.Local, r.Class);
    }

    [Fact]
    public void Address_literal_of_an_interface_is_local()
    {
        var r = Resolver().Resolve("root@[127.0.0.1]");
        Assert.Equal(AddressClass.Local, r.Class);
    }

    [Fact]
    public void Unknown_domain_is_default_class_via_smtp_to_the_domain()
    {
        var r = Resolver().Resolve("info@oreilly.com");
        Assert.Equal((AddressClass.Default, "smtp", "oreilly.com"), (r.Class, r.Transport, r.Nexthop));
    }

    [Fact]
    public void Relayhost_overrides_the_nexthop_of_off_host_mail()
    {
        var r = Resolver("relayhost = [gw.example.com]:587").Resolve("info@oreilly.com");
        Assert.Equal("[gw.example.com]:587", r.Nexthop);
    }

    [Fact]
    public void Relay_domains_select_relay_transport()
    {
        var r = Resolver("relay_domains = stud.cgri.edu").Resolve("user1stud@stud.cgri.edu");
        Assert.Equal((AddressClass.Relay, "relay", "stud.cgri.edu"), (r.Class, r.Transport, r.Nexthop));
    }

    [Fact]
    public void Virtual_alias_domain_without_alias_is_user_unknown()
    {
        var r = Resolver("virtual_alias_domains = yyy.com").Resolve("nobody@yyy.com");
        Assert.Equal(AddressClass.VirtualAlias, r.Class);
        Assert.Equal("error", r.Transport);
        Assert.Equal("5.1.1 User unknown in virtual alias table", r.Nexthop);
    }

    [Fact]
    public void Virtual_mailbox_domain_uses_virtual_transport()
    {
        var r = Resolver("virtual_mailbox_domains = ora.com").Resolve("info@ora.com");
        Assert.Equal((AddressClass.VirtualMailbox, "virtual", "ora.com"), (r.Class, r.Transport, r.Nexthop));
    }

    [Fact]
    public void Transport_map_entries_from_the_lecture()
    {
        var maps = new FakeMaps()
            .Add("hash:/etc/postfix/transport", "example.com", "smtp:[192.168.23.56]:20025")
            .Add("hash:/etc/postfix/transport", "oreillynet.com", "smtp")
            .Add("hash:/etc/postfix/transport", "kdent@ora.com", "error:no mail accepted for kdent");
        var resolver = Resolver("mydestination = localhost\ntransport_maps = hash:/etc/postfix/transport", maps);
        var a = resolver.Resolve("x@example.com");
        Assert.Equal(("smtp", "[192.168.23.56]:20025"), (a.Transport, a.Nexthop));
        var b = resolver.Resolve("x@oreillynet.com");
        Assert.Equal(("smtp", "oreillynet.com"), (b.Transport, b.Nexthop));
        var c = resolver.Resolve("kdent@ora.com");
        Assert.Equal(("error", "no mail accepted for kdent"), (c.Transport, c.Nexthop));
    }

    [Fact]
    public void Transport_map_parent_domains_use_a_leading_dot_by_default()
    {
        var maps = new FakeMaps().Add("hash:/t", ".example.org", "relay:[gw]");
        var r = Resolver("transport_maps = hash:/t", maps).Resolve("u@sub.example.org");
        Assert.Equal(("relay", "[gw]"), (r.Transport, r.Nexthop));
        Assert.Contains(maps.Queries, q => q.Key == "u@sub.example.org" && !q.Partial);
        Assert.Contains(maps.Queries, q => q.Key == "sub.example.org" && q.Partial);
    }

    [Fact]
    public void Transport_map_looks_up_address_without_extension()
    {
        var maps = new FakeMaps().Add("hash:/t", "u@example.org", "pipe-x:");
        var r = Resolver("transport_maps = hash:/t", maps).Resolve("u+tag@example.org");
        Assert.Equal(("pipe-x", "example.org"), (r.Transport, r.Nexthop));
    }

    [Fact]
    public void Transport_map_colon_nexthop_keeps_the_transport()
    {
        var maps = new FakeMaps().Add("hash:/t", "example.org", ":[10.0.0.1]");
        var r = Resolver("transport_maps = hash:/t", maps).Resolve("u@example.org");
        Assert.Equal(("smtp", "[10.0.0.1]"), (r.Transport, r.Nexthop));
    }

    [Fact]
    public void Transport_map_error_without_text_is_address_undeliverable()
    {
        var maps = new FakeMaps().Add("hash:/t", "*", "error");
        var r = Resolver("transport_maps = hash:/t", maps).Resolve("u@example.org");
        Assert.Equal(("error", "Address is undeliverable"), (r.Transport, r.Nexthop));
    }

    [Fact]
    public void Relocated_user_bounces_with_5_1_6_and_the_new_address()
    {
        var maps = new FakeMaps().Add("hash:/etc/postfix/relocated", "kdent@example.com", "kyle.dent@oreilly.com");
        var r = Resolver("relocated_maps = hash:/etc/postfix/relocated", maps).Resolve("kdent@example.com");
        Assert.Equal(("error", "5.1.6 User has moved to kyle.dent@oreilly.com"), (r.Transport, r.Nexthop));
    }

    [Fact]
    public void Percent_hack_on_a_local_domain_routes_to_the_remote_one()
    {
        var r = Resolver().Resolve("user%remote.org@example.com");
        Assert.Equal("user@remote.org", r.Recipient);
        Assert.Equal(AddressClass.Default, r.Class);
    }

    [Fact]
    public void Routing_operator_in_remote_local_part_is_flagged()
    {
        var r = Resolver().Resolve("user%third.org@remote.org");
        Assert.True(r.IsRouted);
    }

    [Fact]
    public void Empty_local_part_becomes_mailer_daemon()
    {
        var r = Resolver("empty_address_recipient = MAILER-DAEMON").Resolve("@example.com");
        Assert.Equal("MAILER-DAEMON@example.com", r.Recipient);
    }

    [Fact]
    public void Address_starting_with_dash_is_an_error_unless_allowed()
    {
        Assert.True(Resolver("allow_min_user = no").Resolve("-x@remote.org").IsError);
        Assert.False(Resolver("allow_min_user = yes").Resolve("-x@remote.org").IsError);
    }

    [Fact]
    public void Empty_default_transport_fails_the_lookup()
    {
        Assert.True(Resolver("default_transport =").Resolve("x@remote.org").Failed);
    }

    [Fact]
    public void Sender_dependent_relayhost_wins_over_relayhost()
    {
        var maps = new FakeMaps().Add("hash:/s", "@corp.example", "[smarthost.corp]");
        var r = Resolver("relayhost = [gw]\nsender_dependent_relayhost_maps = hash:/s", maps).Resolve("x@remote.org", "boss@corp.example");
        Assert.Equal("[smarthost.corp]", r.Nexthop);
    }
}
