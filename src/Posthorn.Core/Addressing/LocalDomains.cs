using System.Net;
using System.Net.NetworkInformation;
using Posthorn.Core.Config;
using Posthorn.Core.Matching;

namespace Posthorn.Core.Addressing;

/// <summary>
/// Postfix's resolve_local(): is a domain this machine's final destination? True when it matches
/// <c>mydestination</c>, or when it is an address literal (<c>[192.0.2.1]</c>,
/// <c>[IPv6:2001:db8::1]</c>) naming one of the addresses in <c>inet_interfaces</c> or
/// <c>proxy_interfaces</c>.
/// </summary>
public sealed class LocalDomains
{
    private readonly DomainList _mydestination;
    private readonly HashSet<IPAddress> _addresses;

    public LocalDomains(MainConfig config, IMapResolver maps)
    {
        _mydestination = DomainList.ForParameter(config, "mydestination", maps);
        _addresses = InterfaceAddresses(config.GetList("inet_interfaces"));
        foreach (var a in InterfaceAddresses(config.GetList("proxy_interfaces")))
            _addresses.Add(a);
    }

    public bool IsLocal(string domain)
    {
        if (domain.EndsWith('.') && !domain.EndsWith("..", StringComparison.Ordinal))
            domain = domain[..^1];
        if (domain.Length == 0)
            return false;
        if (domain[0] == '[' && domain[^1] == ']')
        {
            var literal = domain[1..^1];
            if (literal.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase))
                literal = literal[5..];
            return IPAddress.TryParse(literal, out var ip) && _addresses.Contains(Normalize(ip));
        }
        return _mydestination.Matches(domain);
    }

    /// <summary>The addresses an inet_interfaces-style list names ("all", "loopback-only", addresses, host names).</summary>
    public static HashSet<IPAddress> InterfaceAddresses(IEnumerable<string> items)
    {
        var set = new HashSet<IPAddress>();
        foreach (var raw in items)
        {
            var item = raw.Trim('[', ']').ToLowerInvariant();
            if (item == "all")
            {
                foreach (var a in AllAddresses())
                    set.Add(a);
            }
            else if (item == "loopback-only")
            {
                set.Add(IPAddress.Loopback);
                set.Add(IPAddress.IPv6Loopback);
            }
            else if (IPAddress.TryParse(item, out var ip))
            {
                set.Add(Normalize(ip));
            }
            else
            {
                try
                {
                    foreach (var a in Dns.GetHostAddresses(item))
                        set.Add(Normalize(a));
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // An unresolvable interface name names no address; postfix check reports it.
                }
            }
        }
        return set;
    }

    private static IEnumerable<IPAddress> AllAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => Normalize(u.Address));

    private static IPAddress Normalize(IPAddress ip) =>
        ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : new IPAddress(ip.GetAddressBytes());
}
