using System.Net;
using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Matching;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// local_header_rewrite_clients as smtpd(8) evaluates it (Postfix's smtpd_check_rewrite): the
/// first matching item puts the client's header addresses in the local rewriting context,
/// otherwise they are in the remote context (see remote_header_rewrite_domain). Items:
/// permit_inet_interfaces (the client address is one of inet_interfaces), permit_mynetworks
/// (through the caller's mynetworks matcher), permit_sasl_authenticated,
/// permit_tls_all_clientcerts (a verified client certificate), permit_tls_clientcerts (a
/// verified certificate listed in relay_clientcerts, decided by the caller), and
/// <c>check_address_map type:table</c> or a bare <c>type:table</c> (the client address is a key;
/// the value is ignored; <c>static:all</c> matches everyone). Unknown items are logged and skipped.
/// </summary>
public sealed class LocalHeaderRewriteClients
{
    private readonly IReadOnlyList<string> _items;
    private readonly IMapResolver _maps;
    private readonly Func<IPAddress, bool>? _myNetworks;
    private readonly HashSet<IPAddress> _interfaces;

    public LocalHeaderRewriteClients(MainConfig config, IMapResolver maps, Func<IPAddress, bool>? myNetworks = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        _items = config.GetList("local_header_rewrite_clients");
        _maps = maps;
        _myNetworks = myNetworks;
        _interfaces = LocalDomains.InterfaceAddresses(config.GetList("inet_interfaces"));
    }

    /// <summary>Warnings about unknown items, in Postfix's wording.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>True when the client's headers are rewritten in the local context.</summary>
    public bool IsLocal(CleanupClient client, bool clientCertListed = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.IsLocalSubmission)
            return true;
        var ip = IPAddress.TryParse(client.Address, out var parsed) ? parsed : null;
        if (ip is not null && ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        for (int i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            bool match;
            if (item.Equals("check_address_map", StringComparison.OrdinalIgnoreCase) && i + 1 < _items.Count)
                match = _maps.Find(_items[++i], client.Address!) is not null;
            else if (item.Contains(':', StringComparison.Ordinal))
                match = _maps.Find(item, client.Address!) is not null;
            else
            {
                switch (item.ToLowerInvariant())
                {
                    case "permit_inet_interfaces":
                        match = ip is not null && _interfaces.Contains(ip);
                        break;
                    case "permit_mynetworks":
                        match = ip is not null && _myNetworks is not null && _myNetworks(ip);
                        break;
                    case "permit_sasl_authenticated":
                        match = client.SaslUser is not null;
                        break;
                    case "permit_tls_all_clientcerts":
                        match = client.Tls is { ClientCommonName: not null, ClientCertTrusted: true };
                        break;
                    case "permit_tls_clientcerts":
                        match = client.Tls is { ClientCertTrusted: true } && clientCertListed;
                        break;
                    default:
                        Warnings.Add($"parameter local_header_rewrite_clients: invalid request: {item}");
                        continue;
                }
            }
            if (match)
                return true;
        }
        return false;
    }
}
