using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Services.DnsLookup;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// Turns a nexthop into the ordered list of servers to try, as smtp(8) does (smtp_addr.c):
/// MX records by preference with equal preferences shuffled, each MX host's addresses, an A/AAAA
/// lookup when the domain has no MX, a null MX (RFC 7505) as a permanent failure, and, in SMTP
/// mode on port 25, the backup MX rule: when one of our own addresses (inet_interfaces,
/// proxy_interfaces) is listed, drop every MX of that preference or worse ("mail for X loops back
/// to myself" when nothing is left). The list is cut at smtp_mx_address_limit. Name service
/// errors come back with Postfix's texts ("Host or domain name not found. Name service error for
/// name=X type=MX: Host not found, try again").
/// </summary>
internal sealed class SmtpAddressList
{
    private readonly SmtpClientSettings _settings;
    private readonly MailDns? _dns;
    private readonly IReadOnlySet<IPAddress> _self;

    public SmtpAddressList(SmtpClientSettings settings, MailDns? dns, IReadOnlySet<IPAddress>? ownAddresses = null)
    {
        _settings = settings;
        _dns = dns;
        _self = ownAddresses ?? OwnAddresses(settings.Config);
    }

    /// <summary>Servers for <paramref name="nexthop"/>, or the failure that explains why there are none.</summary>
    public async ValueTask<(IReadOnlyList<SmtpTarget> Targets, SmtpFailure? Failure, bool FoundSelf)> ResolveAsync(SmtpNexthop nexthop, CancellationToken ct)
    {
        if (nexthop.UnixPath is not null)
            return ([new SmtpTarget(_settings.Config.Get("myhostname"), null, 0, 0, nexthop.UnixPath)], null, false);
        bool loopDetect = !_settings.Lmtp && nexthop.Port == 25;
        if (nexthop.SuppressMx || !_settings.UseDns || _dns is null)
        {
            var (addrs, fail) = await HostAddressesAsync(nexthop.Host, ct);
            if (addrs.Count == 0)
                return ([], fail, false);
            if (loopDetect && addrs.Any(_self.Contains))
                return ([], new SmtpFailure("5.4.6", $"mail for {nexthop.Text} loops back to myself"), true);
            var list = addrs.Select(a => new SmtpTarget(nexthop.Host, a, nexthop.Port, 0)).ToList();
            return (Limit(list), null, false);
        }

        var (status, mx) = await _dns.LookupMxAsync(nexthop.Host, ct);
        switch (status)
        {
            case DnsLookupStatus.NullMx:
                return ([], new SmtpFailure("5.1.0", $"Domain {nexthop.Host} does not accept mail (nullMX)"), false);
            case DnsLookupStatus.Retry:
                return ([], new SmtpFailure("4.4.3", NameServiceError(nexthop.Host, "MX", true)), false);
            case DnsLookupStatus.NotFound:
            {
                var (addrs, fail) = await HostAddressesAsync(nexthop.Host, ct);
                if (addrs.Count == 0)
                    return ([], fail, false);
                if (loopDetect && addrs.Any(_self.Contains))
                    return ([], new SmtpFailure("5.4.6", $"mail for {nexthop.Host} loops back to myself"), true);
                return (Limit(Shuffle(addrs.Select(a => new SmtpTarget(nexthop.Host, a, nexthop.Port, 0)).ToList())), null, false);
            }
        }

        var targets = new List<SmtpTarget>();
        SmtpFailure? lastFailure = null;
        int bestPref = mx.Count > 0 ? mx.Min(m => m.Preference) : 0;
        foreach (var group in mx.GroupBy(m => m.Preference).OrderBy(g => g.Key))
        {
            foreach (var record in Shuffle(group.ToList()))
            {
                var (addrs, fail) = await HostAddressesAsync(record.Exchange, ct);
                lastFailure = fail ?? lastFailure;
                targets.AddRange(addrs.Select(a => new SmtpTarget(record.Exchange, a, nexthop.Port, record.Preference)
                {
                    BestMx = record.Preference == bestPref,
                }));
            }
        }
        if (targets.Count == 0)
        {
            var f = lastFailure ?? new SmtpFailure("5.4.4", NameServiceError(nexthop.Host, "A", false));
            if (_settings.DeferIfNoMxAddress && f.IsPermanent)
                f = f with { Status = "4" + f.Status[1..] };
            return ([], f, false);
        }
        bool foundSelf = false;
        if (loopDetect && targets.FirstOrDefault(t => t.Address is not null && _self.Contains(t.Address)) is { } self)
        {
            foundSelf = true;
            int bestFound = targets[0].Preference;
            targets = targets.Where(t => t.Preference < self.Preference).ToList();
            if (targets.Count == 0)
            {
                return ([], bestPref != bestFound
                    ? new SmtpFailure("4.4.4", $"unable to find primary relay for {nexthop.Host}")
                    : new SmtpFailure("5.4.6", $"mail for {nexthop.Host} loops back to myself"), true);
            }
        }
        return (Limit(targets), null, foundSelf);
    }

    private List<SmtpTarget> Limit(List<SmtpTarget> list) =>
        _settings.MxAddressLimit > 0 && list.Count > _settings.MxAddressLimit ? list.GetRange(0, _settings.MxAddressLimit) : list;

    private static List<T> Shuffle<T>(List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = Random.Shared.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    /// <summary>Addresses of one host that inet_protocols allows (ipv4, ipv6, all).</summary>
    private async ValueTask<(IReadOnlyList<IPAddress>, SmtpFailure?)> HostAddressesAsync(string host, CancellationToken ct)
    {
        var (addrs, failure) = await LookupHostAsync(host, ct);
        var protocols = _settings.Config.GetList("inet_protocols");
        bool all = protocols.Contains("all", StringComparer.OrdinalIgnoreCase);
        bool v4 = all || protocols.Contains("ipv4", StringComparer.OrdinalIgnoreCase);
        bool v6 = all || protocols.Contains("ipv6", StringComparer.OrdinalIgnoreCase);
        var allowed = addrs.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : v4).ToList();
        if (addrs.Count > 0 && allowed.Count == 0)
            return ([], new SmtpFailure("5.4.4", NameServiceError(host, v4 ? "A" : "AAAA", false)));
        return (allowed, failure);
    }

    /// <summary>Addresses of one host: a literal, or DNS (A and AAAA), or the system resolver when smtp_host_lookup is native.</summary>
    private async ValueTask<(IReadOnlyList<IPAddress>, SmtpFailure?)> LookupHostAsync(string host, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal))
            return ([literal], null);
        if (_settings.UseDns && _dns is not null)
        {
            var (status, addrs) = await _dns.LookupAddressesAsync(host, ct);
            if (addrs.Count > 0)
                return (addrs, null);
            return status == DnsLookupStatus.Retry
                ? ([], new SmtpFailure("4.4.3", NameServiceError(host, "A", true)))
                : ([], new SmtpFailure("5.4.4", NameServiceError(host, "A", false)));
        }
        try
        {
            var addrs = await Dns.GetHostAddressesAsync(host, ct);
            if (addrs.Length > 0)
                return (addrs, null);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TryAgain)
        {
            return ([], new SmtpFailure("4.4.3", $"Host or domain name not found. Name service error for name={host} type=A: Host not found, try again"));
        }
        catch (SocketException)
        {
        }
        return ([], new SmtpFailure("5.4.4", $"Host or domain name not found. Name service error for name={host} type=A: Host not found"));
    }

    internal static string NameServiceError(string name, string type, bool tryAgain) =>
        $"Host or domain name not found. Name service error for name={name} type={type}: Host not found{(tryAgain ? ", try again" : "")}";

    /// <summary>Our own addresses for the backup MX rule: inet_interfaces ("all": every interface) and proxy_interfaces.</summary>
    public static IReadOnlySet<IPAddress> OwnAddresses(MainConfig config)
    {
        var set = new HashSet<IPAddress>();
        foreach (var item in config.GetList("inet_interfaces").Concat(config.GetList("proxy_interfaces")))
        {
            if (item.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                        foreach (var u in nic.GetIPProperties().UnicastAddresses)
                            set.Add(u.Address);
                }
                catch (NetworkInformationException)
                {
                }
            }
            else if (item.Equals("loopback-only", StringComparison.OrdinalIgnoreCase))
            {
                set.Add(IPAddress.Loopback);
                set.Add(IPAddress.IPv6Loopback);
            }
            else if (IPAddress.TryParse(item.Trim('[', ']'), out var a))
            {
                set.Add(a);
            }
        }
        return set;
    }
}
