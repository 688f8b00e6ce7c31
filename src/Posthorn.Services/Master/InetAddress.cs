using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;

namespace Posthorn.Services.Master;

/// <summary>
/// Where an inet service of master.cf listens, per master(5): the service name is
/// <c>[host:]port</c>, where port is a number or a service name (smtp, submission, pop3 ...)
/// and host an address, a bracketed IPv6 address or a host name. Without a host the service
/// listens on every address of inet_interfaces (<c>all</c>, <c>loopback-only</c> or a list),
/// limited to the families of inet_protocols (<c>all</c>, <c>ipv4</c>, <c>ipv6</c>).
/// </summary>
public static class InetAddress
{
    /// <summary>Well-known ports, used when /etc/services lacks the name.</summary>
    private static readonly Dictionary<string, int> WellKnownPorts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["smtp"] = 25,
        ["submission"] = 587,
        ["submissions"] = 465,
        ["smtps"] = 465,
        ["urd"] = 465,
        ["pop3"] = 110,
        ["pop3s"] = 995,
        ["imap"] = 143,
        ["imap2"] = 143,
        ["imaps"] = 993,
        ["lmtp"] = 24,
        ["sieve"] = 4190,
    };

    /// <summary>Splits a service name into host (null when none) and port.</summary>
    public static (string? Host, int Port) ParseServiceName(string name)
    {
        string? host = null;
        string port = name;
        if (name.StartsWith('['))
        {
            int close = name.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= name.Length || name[close + 1] != ':')
                throw new FormatException($"bad inet service name: {name}");
            host = name[1..close];
            port = name[(close + 2)..];
        }
        else
        {
            int colon = name.LastIndexOf(':');
            if (colon >= 0)
            {
                host = name[..colon];
                port = name[(colon + 1)..];
                if (host.Contains(':', StringComparison.Ordinal))
                    throw new FormatException($"bad inet service name: {name} (enclose an IPv6 address in [])");
            }
        }
        if (host is { Length: 0 })
            host = null;
        return (host, PortOf(port));
    }

    /// <summary>A port number or a service name from /etc/services (tcp) or the well-known list.</summary>
    public static int PortOf(string port)
    {
        if (port.Length > 0 && port.All(char.IsAsciiDigit))
        {
            if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65536)
                return n;
            throw new FormatException($"bad port number: {port}");
        }
        if (port.Length > 0 && (LookUpServices(port) is { } p || WellKnownPorts.TryGetValue(port, out p)))
            return p;
        throw new FormatException($"unknown service: {port}/tcp");
    }

    /// <summary>The address families that inet_protocols allows.</summary>
    public static (bool V4, bool V6) Protocols(string inetProtocols)
    {
        bool v4 = false, v6 = false;
        foreach (var p in MainConfig.SplitList(inetProtocols))
        {
            switch (p.ToLowerInvariant())
            {
                case "all":
                    v4 = true;
                    v6 = Socket.OSSupportsIPv6;
                    break;
                case "ipv4":
                    v4 = true;
                    break;
                case "ipv6":
                    v6 = true;
                    break;
                default:
                    throw new FormatException($"bad inet_protocols value: {p}");
            }
        }
        if (!v4 && !v6)
            throw new FormatException("inet_protocols: no protocols enabled");
        return (v4, v6);
    }

    /// <summary>Every endpoint an inet service listens on.</summary>
    public static IReadOnlyList<IPEndPoint> Endpoints(string serviceName, MainConfig config)
    {
        var (host, port) = ParseServiceName(serviceName);
        var (v4, v6) = Protocols(config.Get("inet_protocols"));
        var addresses = host is not null
            ? Resolve(host, v4, v6)
            : Interfaces(config.GetList("inet_interfaces"), v4, v6);
        return addresses.Distinct().Select(a => new IPEndPoint(a, port)).ToList();
    }

    /// <summary>The addresses inet_interfaces names, in the allowed families.</summary>
    public static IReadOnlyList<IPAddress> Interfaces(IReadOnlyList<string> inetInterfaces, bool v4, bool v6)
    {
        if (inetInterfaces.Count == 0)
            throw new FormatException("inet_interfaces: no local interface found");
        var result = new List<IPAddress>();
        foreach (var item in inetInterfaces)
        {
            switch (item.ToLowerInvariant())
            {
                case "all":
                    if (v4)
                        result.Add(IPAddress.Any);
                    if (v6)
                        result.Add(IPAddress.IPv6Any);
                    break;
                case "loopback-only":
                    if (v4)
                        result.Add(IPAddress.Loopback);
                    if (v6)
                        result.Add(IPAddress.IPv6Loopback);
                    break;
                default:
                    result.AddRange(Resolve(item.Trim('[', ']'), v4, v6));
                    break;
            }
        }
        return result;
    }

    private static List<IPAddress> Resolve(string host, bool v4, bool v6)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            if (literal.AddressFamily == AddressFamily.InterNetwork ? !v4 : !v6)
                throw new FormatException($"address {host} is not in an enabled protocol family (inet_protocols)");
            return [literal];
        }
        IPAddress[] found;
        try
        {
            found = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new FormatException($"host not found: {host}: {e.Message}");
        }
        var usable = found.Where(a => a.AddressFamily == AddressFamily.InterNetwork ? v4 : a.AddressFamily == AddressFamily.InterNetworkV6 && v6).ToList();
        if (usable.Count == 0)
            throw new FormatException($"host not found: {host}");
        return usable;
    }

    private static int? LookUpServices(string name)
    {
        const string path = "/etc/services";
        if (!File.Exists(path))
            return null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Split('#', 2)[0];
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !words[1].EndsWith("/tcp", StringComparison.Ordinal))
                continue;
            if (words[0].Equals(name, StringComparison.OrdinalIgnoreCase) || words.Skip(2).Any(w => w.Equals(name, StringComparison.OrdinalIgnoreCase)))
                return int.TryParse(words[1][..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        }
        return null;
    }
}
