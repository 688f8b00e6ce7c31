using System.Net;
using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public class InetAddressTests
{
    [Theory]
    [InlineData("smtp", 25)]
    [InlineData("submission", 587)]
    [InlineData("submissions", 465)]
    [InlineData("smtps", 465)]
    [InlineData("pop3", 110)]
    [InlineData("pop3s", 995)]
    [InlineData("imap", 143)]
    [InlineData("imaps", 993)]
    [InlineData("lmtp", 24)]
    [InlineData("2525", 2525)]
    public void Service_name_without_host_is_a_port(string name, int port) =>
        Assert.Equal((null, port), InetAddress.ParseServiceName(name));

    [Fact]
    public void Host_and_port() =>
        Assert.Equal(("127.0.0.1", 2525), InetAddress.ParseServiceName("127.0.0.1:2525"));

    [Fact]
    public void Host_and_service_name() =>
        Assert.Equal(("mail.example.com", 25), InetAddress.ParseServiceName("mail.example.com:smtp"));

    [Fact]
    public void Bracketed_ipv6_host() =>
        Assert.Equal(("::1", 10025), InetAddress.ParseServiceName("[::1]:10025"));

    [Fact]
    public void Unbracketed_ipv6_host_is_rejected() =>
        Assert.Throws<FormatException>(() => InetAddress.ParseServiceName("::1:25"));

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("127.0.0.1:")]
    public void Bad_port_is_rejected(string name) =>
        Assert.Throws<FormatException>(() => InetAddress.ParseServiceName(name));

    [Fact]
    public void Unknown_service_name_is_reported_as_postfix_does()
    {
        var e = Assert.Throws<FormatException>(() => InetAddress.ParseServiceName("no-such-service"));
        Assert.Equal("unknown service: no-such-service/tcp", e.Message);
    }

    [Theory]
    [InlineData("ipv4", true, false)]
    [InlineData("ipv6", false, true)]
    [InlineData("ipv4, ipv6", true, true)]
    public void Inet_protocols_select_families(string value, bool v4, bool v6) =>
        Assert.Equal((v4, v6), InetAddress.Protocols(value));

    [Fact]
    public void Bad_inet_protocols_is_rejected() =>
        Assert.Throws<FormatException>(() => InetAddress.Protocols("ipx"));

    [Fact]
    public void Loopback_only_is_127_0_0_1_and_ipv6_loopback() =>
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], InetAddress.Interfaces(["loopback-only"], true, true));

    [Fact]
    public void All_interfaces_are_the_wildcard_addresses_of_each_family() =>
        Assert.Equal([IPAddress.Any], InetAddress.Interfaces(["all"], true, false));

    [Fact]
    public void Interface_list_gives_each_address() =>
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("::1")], InetAddress.Interfaces(["127.0.0.1", "[::1]"], true, true));

    [Fact]
    public void Address_outside_inet_protocols_is_rejected() =>
        Assert.Throws<FormatException>(() => InetAddress.Interfaces(["::1"], true, false));

    [Fact]
    public void Endpoints_follow_inet_interfaces_when_the_name_has_no_host()
    {
        var config = MainConfig.FromText("inet_interfaces = loopback-only\ninet_protocols = ipv4\n");
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 2525)], InetAddress.Endpoints("2525", config));
    }

    [Fact]
    public void Endpoints_ignore_inet_interfaces_when_the_name_has_a_host()
    {
        var config = MainConfig.FromText("inet_interfaces = all\ninet_protocols = ipv4\n");
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 2525)], InetAddress.Endpoints("127.0.0.1:2525", config));
    }
}
