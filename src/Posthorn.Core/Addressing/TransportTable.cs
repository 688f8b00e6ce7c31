using Posthorn.Core.Config;
using Posthorn.Core.Matching;

namespace Posthorn.Core.Addressing;

/// <summary>
/// transport(5) lookups as trivial-rewrite performs them: the full address, then the address
/// without its extension (recipient_delimiter), then the domain and its parents (".parent", or
/// "parent" when transport_maps is listed in parent_domain_matches_subdomains), then the "*"
/// wildcard. A result "transport:nexthop" replaces the transport and resets the nexthop to the
/// recipient domain unless one is given; ":nexthop" keeps the transport; with the error transport
/// and no text the nexthop becomes "Address is undeliverable".
/// </summary>
public sealed class TransportTable
{
    private readonly IReadOnlyList<string> _maps;
    private readonly IMapResolver _resolver;
    private readonly bool _parentStyle;
    private readonly string _delimiters;

    public TransportTable(MainConfig config, IMapResolver resolver)
    {
        _maps = config.GetList("transport_maps");
        _resolver = resolver;
        _parentStyle = DomainList.IsParentStyle(config, "transport_maps");
        _delimiters = config.Get("recipient_delimiter");
    }

    public bool IsEmpty => _maps.Count == 0;

    /// <summary>Applies the matching entry to (transport, nexthop); false when nothing matched.</summary>
    public bool TryApply(string address, string recipientDomain, ref string transport, ref string nexthop)
    {
        if (_maps.Count == 0 || address.Length == 0)
            return false;
        var value = Find(address, false);
        if (value is null)
        {
            var stripped = AddressExtension.Strip(address, _delimiters);
            if (stripped != address)
                value = Find(stripped, true);
        }
        if (value is null)
        {
            int at = address.LastIndexOf('@');
            var name = address[(at + 1)..];
            while (value is null && name.Length > 0)
            {
                value = Find(name, true);
                int dot = name.IndexOf('.', 1);
                if (dot < 0)
                    break;
                name = _parentStyle ? name[(dot + 1)..] : name[dot..];
            }
        }
        value ??= Find("*", false);
        if (value is null)
            return false;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        var newTransport = colon < 0 ? value : value[..colon];
        var newNexthop = colon < 0 ? "" : value[(colon + 1)..];
        if (newTransport.Length == 0)
        {
            if (newNexthop.Length > 0)
                nexthop = newNexthop;
        }
        else
        {
            transport = newTransport;
            nexthop = newNexthop.Length > 0 ? newNexthop
                : transport != "error" ? recipientDomain
                : "Address is undeliverable";
        }
        return true;
    }

    private string? Find(string key, bool partial)
    {
        foreach (var map in _maps)
        {
            var v = _resolver.Find(map, key.ToLowerInvariant(), partial);
            if (v is not null)
                return v;
        }
        return null;
    }
}

/// <summary>Address extensions: "user+ext@domain" with recipient_delimiter "+".</summary>
public static class AddressExtension
{
    /// <summary>Removes the extension from the local part; the address unchanged when it has none.</summary>
    public static string Strip(string address, string delimiters)
    {
        if (delimiters.Length == 0)
            return address;
        int at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        int d = local.IndexOfAny(delimiters.ToCharArray());
        if (d <= 0)
            return address;
        return local[..d] + (at < 0 ? "" : address[at..]);
    }
}
