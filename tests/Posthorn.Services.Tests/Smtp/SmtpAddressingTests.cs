using System.Net;
using Posthorn.Services.DnsLookup;
using Posthorn.Services.SmtpClient;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>Nexthop syntax (smtp(8), lmtp(8)) and the MX rules of smtp_addr.c.</summary>
public sealed class SmtpAddressingTests
{
    [Theory]
    [InlineData("example.com", "example.com", 25, false)]
    [InlineData("[mail.example.com]", "mail.example.com", 25, true)]
    [InlineData("[mail.example.com]:587", "mail.example.com", 587, true)]
    [InlineData("example.com:2525", "example.com", 2525, false)]
    [InlineData("[192.0.2.1]", "192.0.2.1", 25, true)]
    [InlineData("[ipv6:2001:db8::1]:26", "2001:db8::1", 26, true)]
    public void Parses_smtp_nexthops(string text, string host, int port, bool suppressMx)
    {
        var n = SmtpNexthop.Parse(text, 25, lmtp: false)!;
        Assert.Equal(host, n.Host);
        Assert.Equal(port, n.Port);
        Assert.Equal(suppressMx, n.SuppressMx);
    }

    [Theory]
    [InlineData("inet:localhost:2424", "localhost", 2424, null)]
    [InlineData("localhost", "localhost", 24, null)]
    [InlineData("unix:/var/run/lmtp", "/var/run/lmtp", 0, "/var/run/lmtp")]
    public void Parses_lmtp_nexthops(string text, string host, int port, string? path)
    {
        var n = SmtpNexthop.Parse(text, 24, lmtp: true)!;
        Assert.Equal(host, n.Host);
        Assert.Equal(port, n.Port);
        Assert.Equal(path, n.UnixPath);
        Assert.True(n.SuppressMx);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[unclosed")]
    [InlineData("host:99999")]
    public void Rejects_malformed_nexthops(string text) => Assert.Null(SmtpNexthop.Parse(text, 25, false));

    private static async Task<(IReadOnlyList<SmtpTarget>, SmtpFailure?)> Resolve(TestDnsServer dns, string self, string nexthop = "test.example")
    {
        var config = SmtpTestSupport.Config($"posthorn_dns_servers = {dns.Endpoint}");
        var settings = new SmtpClientSettings(config, lmtp: false);
        var list = new SmtpAddressList(settings, new MailDns(config), new HashSet<IPAddress> { IPAddress.Parse(self) });
        var (targets, failure, _) = await list.ResolveAsync(SmtpNexthop.Parse(nexthop, 25, false)!, CancellationToken.None);
        return (targets, failure);
    }

    private static TestDnsServer ThreeMx()
    {
        var dns = new TestDnsServer();
        dns.Mx["test.example"] = [(30, "mx3.test.example"), (10, "mx1.test.example"), (20, "mx2.test.example")];
        dns.A["mx1.test.example"] = [IPAddress.Parse("192.0.2.1")];
        dns.A["mx2.test.example"] = [IPAddress.Parse("192.0.2.2")];
        dns.A["mx3.test.example"] = [IPAddress.Parse("192.0.2.3")];
        return dns;
    }

    [Fact]
    public async Task Orders_MX_hosts_by_preference()
    {
        using var dns = ThreeMx();
        var (targets, failure) = await Resolve(dns, "198.51.100.1");
        Assert.Null(failure);
        Assert.Equal(["mx1.test.example", "mx2.test.example", "mx3.test.example"], targets.Select(t => t.Host));
    }

    [Fact]
    public async Task Backup_MX_skips_hosts_as_preferred_as_itself_or_less()
    {
        using var dns = ThreeMx();
        var (targets, failure) = await Resolve(dns, "192.0.2.2");
        Assert.Null(failure);
        Assert.Equal(["mx1.test.example"], targets.Select(t => t.Host));
    }

    [Fact]
    public async Task Mail_to_a_domain_whose_best_MX_is_myself_loops_back()
    {
        using var dns = ThreeMx();
        var (targets, failure) = await Resolve(dns, "192.0.2.1");
        Assert.Empty(targets);
        Assert.Equal("5.4.6", failure!.Status);
        Assert.Equal("mail for test.example loops back to myself", failure.Reason);
    }

    [Fact]
    public async Task Limits_the_address_list_to_smtp_mx_address_limit()
    {
        using var dns = new TestDnsServer();
        dns.Mx["many.example"] = [(10, "a.many.example")];
        dns.A["a.many.example"] = Enumerable.Range(1, 8).Select(i => IPAddress.Parse("192.0.2." + i)).ToList();
        var (targets, _) = await Resolve(dns, "198.51.100.1", "many.example");
        Assert.Equal(5, targets.Count);
    }
}
