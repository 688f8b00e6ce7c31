using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;

namespace Posthorn.Core.Matching;

/// <summary>
/// A Postfix host/address list (namadr_list: mynetworks, permit_mx_backup_networks,
/// smtpd_client_event_limit_exceptions ...): each pattern is a network in CIDR form
/// (<c>192.0.2.0/24</c>, <c>[2001:db8::]/32</c>), an address (<c>192.0.2.1</c>, <c>[::1]</c>), a
/// host or domain name matched against the client name (subdomains too with parent style),
/// <c>/file/name</c> with more patterns, or <c>type:table</c> looked up with the client name and
/// then the client address; <c>!</c> negates; the first match decides.
/// </summary>
public sealed class NetworkList
{
    private readonly List<(bool Negate, object Pattern)> _patterns = [];
    private readonly bool _parentStyle;
    private readonly IMapResolver _maps;

    private NetworkList(IEnumerable<string> patterns, bool parentStyle, IMapResolver maps)
    {
        _parentStyle = parentStyle;
        _maps = maps;
        foreach (var raw in patterns)
        {
            var p = raw;
            bool negate = false;
            while (p.StartsWith('!'))
            {
                negate = !negate;
                p = p[1..];
            }
            if (p.Length == 0)
                continue;
            if (p.StartsWith('/'))
            {
                foreach (var line in File.ReadLines(p))
                {
                    var t = line.Trim();
                    if (t.Length > 0 && t[0] != '#')
                        foreach (var inner in MainConfig.SplitList(t))
                            _patterns.Add((negate, Parse(inner)));
                }
                continue;
            }
            _patterns.Add((negate, Parse(p)));
        }
    }

    public static NetworkList ForParameter(MainConfig config, string parameter, IMapResolver maps) =>
        new(config.GetList(parameter), DomainList.IsParentStyle(config, parameter), maps);

    public static NetworkList Create(string value, bool parentStyle, IMapResolver maps) =>
        new(MainConfig.SplitList(value), parentStyle, maps);

    /// <summary>True when the client (name may be "unknown") matches the list.</summary>
    public bool Matches(string clientName, IPAddress address)
    {
        var addr = Normalize(address);
        var name = clientName.ToLowerInvariant();
        foreach (var (negate, pattern) in _patterns)
        {
            bool hit = pattern switch
            {
                Cidr c => c.Contains(addr),
                TablePattern t => _maps.Find(t.Spec, name) is not null || _maps.Find(t.Spec, addr.ToString()) is not null,
                string domain => MatchName(domain, name),
                _ => false,
            };
            if (hit)
                return !negate;
        }
        return false;
    }

    private bool MatchName(string pattern, string name)
    {
        if (name == "unknown" || name.Length == 0)
            return false;
        if (pattern == name)
            return true;
        if (pattern.StartsWith('.'))
            return name.EndsWith(pattern, StringComparison.Ordinal);
        return _parentStyle && name.EndsWith("." + pattern, StringComparison.Ordinal);
    }

    private static object Parse(string pattern)
    {
        if (DomainList.IsTable(pattern))
            return new TablePattern(pattern);
        if (Cidr.TryParse(pattern, out var cidr))
            return cidr;
        return pattern.ToLowerInvariant();
    }

    internal static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    private sealed record TablePattern(string Spec);
}

/// <summary>A network in CIDR notation; IPv6 may be bracketed as Postfix writes it: [2001:db8::]/32.</summary>
public sealed class Cidr
{
    private readonly byte[] _network;
    private readonly int _length;
    private readonly AddressFamily _family;

    private Cidr(byte[] network, int length, AddressFamily family)
    {
        _network = network;
        _length = length;
        _family = family;
    }

    public static bool TryParse(string text, out Cidr cidr)
    {
        cidr = null!;
        var t = text;
        int slash = t.LastIndexOf('/');
        string addrPart = slash >= 0 ? t[..slash] : t;
        addrPart = addrPart.Trim('[', ']');
        if (!IPAddress.TryParse(addrPart, out var ip))
            return false;
        int max = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int len = max;
        if (slash >= 0 && (!int.TryParse(t[(slash + 1)..], out len) || len < 0 || len > max))
            return false;
        var bytes = ip.GetAddressBytes();
        Mask(bytes, len);
        cidr = new Cidr(bytes, len, ip.AddressFamily);
        return true;
    }

    /// <summary>True when the text is a network whose host bits are zero (Postfix warns otherwise).</summary>
    public static bool HasHostBits(string text)
    {
        int slash = text.LastIndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash].Trim('[', ']'), out var ip) || !int.TryParse(text[(slash + 1)..], out var len))
            return false;
        var bytes = ip.GetAddressBytes();
        var masked = (byte[])bytes.Clone();
        Mask(masked, len);
        return !bytes.AsSpan().SequenceEqual(masked);
    }

    public bool Contains(IPAddress address)
    {
        var ip = NetworkList.Normalize(address);
        if (ip.AddressFamily != _family)
            return false;
        var bytes = ip.GetAddressBytes();
        Mask(bytes, _length);
        return bytes.AsSpan().SequenceEqual(_network);
    }

    private static void Mask(byte[] bytes, int len)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(len - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
    }
}
