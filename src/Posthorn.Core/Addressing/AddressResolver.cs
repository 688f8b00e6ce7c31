using Posthorn.Core.Config;
using Posthorn.Core.Matching;

namespace Posthorn.Core.Addressing;

/// <summary>
/// trivial-rewrite(8)'s "resolve" request. Strips this machine's own domains (mydestination,
/// inet_interfaces, proxy_interfaces literals) and routing operators off a recipient, then picks
/// the address class and its transport: local (local_transport), virtual alias
/// (virtual_alias_domains: error "User unknown", as every valid address there is aliased away),
/// virtual mailbox (virtual_mailbox_domains, virtual_transport), relay (relay_domains,
/// relay_transport), default (sender_dependent_default_transport_maps, default_transport). For
/// off-host classes the nexthop is sender_dependent_relayhost_maps, relayhost, or the domain; a
/// "transport:nexthop" in a *_transport parameter wins; then transport_maps; then relocated_maps
/// turns the result into error "5.1.6 User has moved to ...".
/// </summary>
public sealed class AddressResolver
{
    private readonly AddressRewriter _rewriter;
    private readonly LocalDomains _local;
    private readonly DomainList _virtualAlias;
    private readonly DomainList _virtualMailbox;
    private readonly DomainList _relay;
    private readonly TransportTable _transports;
    private readonly IMapResolver _maps;
    private readonly MainConfig _config;
    private readonly IReadOnlyList<string> _relocated;
    private readonly IReadOnlyList<string> _senderRelay;
    private readonly IReadOnlyList<string> _senderTransport;

    public AddressResolver(MainConfig config, IMapResolver maps)
    {
        _config = config;
        _maps = maps;
        _rewriter = new AddressRewriter(config);
        _local = new LocalDomains(config, maps);
        _virtualAlias = DomainList.StringListForParameter(config, "virtual_alias_domains", maps);
        _virtualMailbox = DomainList.StringListForParameter(config, "virtual_mailbox_domains", maps);
        _relay = DomainList.ForParameter(config, "relay_domains", maps);
        _transports = new TransportTable(config, maps);
        _relocated = config.GetList("relocated_maps");
        _senderRelay = config.GetList("sender_dependent_relayhost_maps");
        _senderTransport = config.GetList("sender_dependent_default_transport_maps");
    }

    public LocalDomains LocalDomains => _local;

    public AddressRewriter Rewriter => _rewriter;

    /// <summary>Resolves a recipient (internal form) for mail from the given sender.</summary>
    public ResolveResult Resolve(string address, string sender = "")
    {
        var (recipient, remote) = StripLocalDomains(address);
        int at = recipient.LastIndexOf('@');
        var domain = recipient[(at + 1)..];
        var flags = ResolveFlags.None;
        if (!DomainSyntax.IsValid(domain))
            flags |= ResolveFlags.Error;
        int firstOperator = recipient.IndexOfAny(['@', '!', '%']);
        if (firstOperator != at)
            flags |= ResolveFlags.Routed;

        string transport, nexthop, blame;
        AddressClass cls;
        if (remote)
        {
            if (_virtualAlias.Matches(domain))
            {
                var text = "5.1.1 User unknown" + (_config.GetBool("show_user_unknown_table_name") ? " in virtual alias table" : "");
                return Finish(new ResolveResult("error", text, recipient, AddressClass.VirtualAlias, flags), applyTransportMaps: false);
            }
            if (_virtualMailbox.Matches(domain))
            {
                (transport, nexthop, blame, cls) = (_config.Get("virtual_transport"), domain, "virtual_transport", AddressClass.VirtualMailbox);
            }
            else
            {
                if (_relay.Matches(domain))
                {
                    (transport, blame, cls) = (_config.Get("relay_transport"), "relay_transport", AddressClass.Relay);
                }
                else
                {
                    var byS = FindBySender(_senderTransport, sender, "empty_address_default_transport_maps_lookup_key");
                    transport = byS is null || byS.Equals("DUNNO", StringComparison.OrdinalIgnoreCase) ? _config.Get("default_transport") : byS;
                    blame = byS is null ? "default_transport" : "sender_dependent_default_transport_maps";
                    cls = AddressClass.Default;
                }
                var relay = FindBySender(_senderRelay, sender, "empty_address_relayhost_maps_lookup_key");
                nexthop = relay is not null && !relay.Equals("DUNNO", StringComparison.OrdinalIgnoreCase) ? relay
                    : _config.Get("relayhost") is { Length: > 0 } rh ? rh : domain;
            }
        }
        else
        {
            (transport, nexthop, blame, cls) = (_config.Get("local_transport"), domain, "local_transport", AddressClass.Local);
        }

        int colon = transport.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            if (colon < transport.Length - 1)
                nexthop = transport[(colon + 1)..];
            transport = transport[..colon];
        }
        if (transport.Length == 0)
        {
            // Postfix: "file main.cf: parameter X: null transport is not allowed" and a deferral.
            return new ResolveResult("", $"parameter {blame}: null transport is not allowed", recipient, cls, flags | ResolveFlags.Fail);
        }
        return Finish(new ResolveResult(transport, nexthop, recipient, cls, flags), applyTransportMaps: true);
    }

    private ResolveResult Finish(ResolveResult r, bool applyTransportMaps)
    {
        var transport = r.Transport;
        var nexthop = r.Nexthop;
        if (applyTransportMaps)
            _transports.TryApply(r.Recipient, r.Domain, ref transport, ref nexthop);
        var moved = FindRelocated(r.Recipient);
        if (moved is not null)
        {
            transport = "error";
            nexthop = "5.1.6 User has moved to " + moved;
        }
        var flags = r.Flags;
        if (!_config.GetBool("allow_min_user") && r.Recipient.StartsWith('-'))
            flags |= ResolveFlags.Error;
        return r with { Transport = transport, Nexthop = nexthop, Flags = flags };
    }

    /// <summary>
    /// The preliminary loop of Postfix's resolve_addr(): strip every instance of a local domain,
    /// re-canonicalize after % and ! operators, and give an address with no domain left the
    /// stripped local domain (or $myhostname).
    /// </summary>
    private (string Recipient, bool Remote) StripLocalDomains(string address)
    {
        var a = address;
        string? saved = null;
        bool remote = false;
        int limit = address.Length + 100;
        for (int loop = 0; loop <= limit; loop++)
        {
            int at0 = a.LastIndexOf('@');
            if (a.Length > 1 && a[^1] == '.' && at0 >= 0 && a[^2] != '.')
                a = a[..^1];
            if (a.EndsWith('@'))
                a = a[..^1];
            int at = a.LastIndexOf('@');
            if (at >= 0)
            {
                var dom = a[(at + 1)..];
                if (dom.Length > 0 && !_local.IsLocal(dom))
                {
                    remote = true;
                    break;
                }
                saved = dom;
                a = a[..at];
            }
            if (a.Contains('@', StringComparison.Ordinal)
                || (_rewriter.SwapBangpath && a.Contains('!', StringComparison.Ordinal))
                || (_rewriter.PercentHack && a.Contains('%', StringComparison.Ordinal)))
            {
                a = _rewriter.Rewrite(a, RewriteContext.Local);
                continue;
            }
            if (a.Length == 0)
                a = _config.Get("empty_address_recipient");
            break;
        }
        if (!remote)
            a = a + "@" + (string.IsNullOrEmpty(saved) ? _config.Get("myhostname") : saved);
        return (a, remote);
    }

    /// <summary>relocated_maps with mail_addr_find's default search order.</summary>
    private string? FindRelocated(string recipient) =>
        MailAddrFind.Find(_maps, _relocated, recipient, AddrFindStrategy.Default,
            _config.Get("recipient_delimiter"), _local.IsLocal).Value;

    /// <summary>A sender-dependent table; the null sender is looked up as the configured key (default "&lt;&gt;").</summary>
    private string? FindBySender(IReadOnlyList<string> maps, string sender, string nullKeyParameter) =>
        MailAddrFind.Find(_maps, maps, sender.Length > 0 ? sender : _config.Get(nullKeyParameter), AddrFindStrategy.Default,
            _config.Get("recipient_delimiter"), _local.IsLocal).Value;
}

/// <summary>Hostname and address-literal syntax, as Postfix's valid_hostname() and valid_hostliteral().</summary>
public static class DomainSyntax
{
    public static bool IsValid(string domain)
    {
        if (domain.Length == 0 || domain.Length > 255)
            return false;
        if (domain[0] == '[')
            return domain[^1] == ']' && System.Net.IPAddress.TryParse(
                domain[1..^1].StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase) ? domain[6..^1] : domain[1..^1], out _);
        foreach (var label in domain.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c < 0x80)
                    return false;
        }
        // An all-numeric name ("1.2.3.4" without brackets) is not a host name.
        return !domain.All(c => char.IsAsciiDigit(c) || c == '.');
    }
}
