using System.Net;
using Posthorn.Core.Config;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Tests.Cleanup;

public class LocalHeaderRewriteClientsTests
{
    private static LocalHeaderRewriteClients Clients(string value, FakeMaps? maps = null, Func<IPAddress, bool>? mynetworks = null) =>
        new(MainConfig.FromText(CleanupTest.Base + $"\nlocal_header_rewrite_clients = {value}\n"), maps ?? new FakeMaps(), mynetworks);

    private static CleanupClient From(string addr) => new("c.example.org", addr);

    [Fact]
    public void Default_permit_inet_interfaces_matches_our_own_addresses_only()
    {
        var c = Clients("permit_inet_interfaces");
        Assert.True(c.IsLocal(From("127.0.0.1")));
        Assert.False(c.IsLocal(From("192.0.2.10")));
    }

    [Fact]
    public void Permit_mynetworks_uses_the_mynetworks_matcher()
    {
        var c = Clients("permit_mynetworks", mynetworks: ip => ip.ToString().StartsWith("192.0.2.", StringComparison.Ordinal));
        Assert.True(c.IsLocal(From("192.0.2.10")));
        Assert.False(c.IsLocal(From("198.51.100.1")));
    }

    [Fact]
    public void Permit_sasl_authenticated_matches_authenticated_clients()
    {
        var c = Clients("permit_sasl_authenticated");
        Assert.True(c.IsLocal(From("198.51.100.1") with { SaslUser = "alice" }));
        Assert.False(c.IsLocal(From("198.51.100.1")));
    }

    [Fact]
    public void Static_all_matches_everyone()
    {
        var maps = new FakeMaps().Add("static:all", "198.51.100.1", "all");
        Assert.True(Clients("static:all", maps).IsLocal(From("198.51.100.1")));
    }

    [Fact]
    public void Check_address_map_looks_up_the_client_address()
    {
        var maps = new FakeMaps().Add("hash:/etc/postfix/pop-before-smtp", "198.51.100.7", "ok");
        var c = Clients("check_address_map hash:/etc/postfix/pop-before-smtp", maps);
        Assert.True(c.IsLocal(From("198.51.100.7")));
        Assert.False(c.IsLocal(From("198.51.100.8")));
    }

    [Fact]
    public void Verified_client_certificate_matches_permit_tls_all_clientcerts()
    {
        var tls = new CleanupTls("TLSv1.3", "X", 256, 256, ClientCommonName: "c", ClientCertTrusted: true);
        Assert.True(Clients("permit_tls_all_clientcerts").IsLocal(From("198.51.100.1") with { Tls = tls }));
    }

    [Fact]
    public void Unknown_item_is_warned_about_and_skipped()
    {
        var c = Clients("permit_everyone, permit_sasl_authenticated");
        Assert.True(c.IsLocal(From("198.51.100.1") with { SaslUser = "a" }));
        Assert.Contains("parameter local_header_rewrite_clients: invalid request: permit_everyone", c.Warnings);
    }

    [Fact]
    public void Local_submission_is_always_local()
    {
        Assert.True(Clients("").IsLocal(CleanupClient.Local(1000)));
    }
}
