using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class AddressLookupTests
{
    private const string Main = "myorigin = example.com\nmydestination = example.com, localhost\nrecipient_delimiter = +-\n";

    [Fact]
    public void Virtual_search_order_per_virtual5()
    {
        using var f = new MapFixture(Main);
        var all = f.Open("inline:{ user+ext@example.org=1, user@example.org=2, @example.org=3 }");
        Assert.Equal("1", AddressLookup.Virtual(all, "user+ext@example.org", f.Config)!.Value);
        var m = AddressLookup.Virtual(all, "user+other@example.org", f.Config)!;
        Assert.Equal(("2", "user@example.org", "+other"), (m.Value, m.MatchedKey, m.UnmatchedExtension));
        Assert.Equal("3", AddressLookup.Virtual(all, "someone@example.org", f.Config)!.Value);
        Assert.Null(AddressLookup.Virtual(all, "user@example.net", f.Config));
    }

    [Fact]
    public void Bare_user_key_matches_only_local_domains()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ joe=local }");
        Assert.Equal("local", AddressLookup.Canonical(t, "joe@example.com", f.Config)!.Value);
        Assert.Equal("local", AddressLookup.Canonical(t, "joe-ext@localhost", f.Config)!.Value);
        Assert.Null(AddressLookup.Canonical(t, "joe@example.org", f.Config));
    }

    [Fact]
    public void Recipient_delimiter_accepts_several_characters()
    {
        Assert.Equal(("user", "+a-b"), AddressLookup.SplitExtension("user+a-b", "+-"));
        Assert.Equal(("user", "-a+b"), AddressLookup.SplitExtension("user-a+b", "+-"));
        Assert.Equal(("user", (string?)null), AddressLookup.SplitExtension("user", "+-"));
        Assert.Equal(("user+a", (string?)null), AddressLookup.SplitExtension("user+a", ""));
    }

    [Fact]
    public void Access_tries_domain_then_parents_then_user_at()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ example.com=PARENT, .example.org=DOTTED, user@=USER }");
        // parent_domain_matches_subdomains includes smtpd_access_maps by default
        Assert.Equal("PARENT", AddressLookup.Access(t, "x@mail.example.com", f.Config)!.Value);
        Assert.Equal("USER", AddressLookup.Access(t, "user@mail.example.org", f.Config)!.Value);
        using var g = new MapFixture(Main + "parent_domain_matches_subdomains =\n");
        var u = g.Open("inline:{ example.com=PARENT, .example.org=DOTTED }");
        Assert.Null(AddressLookup.Access(u, "x@mail.example.com", g.Config));
        Assert.Equal("DOTTED", AddressLookup.Access(u, "x@mail.example.org", g.Config)!.Value);
    }

    [Fact]
    public void Transport_search_order_per_transport5()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ user@example.com=smtp:a, example.com=smtp:b, .example.com=smtp:c, *=smtp:d }");
        Assert.Equal("smtp:a", AddressLookup.Transport(t, "user+x@example.com", f.Config)!.Value);
        Assert.Equal("smtp:b", AddressLookup.Transport(t, "other@example.com", f.Config)!.Value);
        Assert.Equal("smtp:c", AddressLookup.Transport(t, "other@sub.example.com", f.Config)!.Value);
        Assert.Equal("smtp:d", AddressLookup.Transport(t, "other@example.net", f.Config)!.Value);
    }

    [Fact]
    public void Alias_lookup_tries_localpart_then_without_extension()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ joe=joe@example.net, joe+list=lists }");
        Assert.Equal("lists", AddressLookup.Alias(t, "joe+list", f.Config)!.Value);
        Assert.Equal("joe@example.net", AddressLookup.Alias(t, "Joe+Other", f.Config)!.Value);
    }

    [Fact]
    public void Pattern_tables_see_the_whole_address_only()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("regexp:" + f.Write("r", "/^User@/ hit\n/^user$/ localpart\n"));
        Assert.Equal("hit", AddressLookup.Virtual(t, "User@example.com", f.Config)!.Value);
        Assert.Null(AddressLookup.Virtual(t, "user+x@example.org", f.Config));
    }

    [Fact]
    public void Multi_valued_results_split_on_commas_outside_quotes()
    {
        Assert.Equal(["a@b", "\"|cmd x, y\"", "c"], AddressLookup.SplitValues(" a@b ,\"|cmd x, y\",, c "));
    }

    [Fact]
    public void Client_address_tries_shorter_networks_per_access5()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ 1.2.3=NET24, 10=NET8, 2001:db8:1=V6 }");
        Assert.Equal("NET24", AddressLookup.ClientAddress(t, "1.2.3.4")!.Value);
        Assert.Equal("NET8", AddressLookup.ClientAddress(t, "10.9.8.7")!.Value);
        Assert.Equal("V6", AddressLookup.ClientAddress(t, "2001:db8:1:2::5")!.Value);
        Assert.Null(AddressLookup.ClientAddress(t, "192.0.2.1"));
        var cidr = f.Open("cidr:" + f.Write("c", "1.2.3.0/24 CIDR\n"));
        Assert.Equal("CIDR", AddressLookup.ClientAddress(cidr, "1.2.3.4")!.Value);
    }

    [Fact]
    public void Client_host_tries_parent_domains()
    {
        using var f = new MapFixture(Main);
        var t = f.Open("inline:{ example.com=PARENT }");
        Assert.Equal("PARENT", AddressLookup.ClientHost(t, "mail.example.com", f.Config)!.Value);
    }
}
