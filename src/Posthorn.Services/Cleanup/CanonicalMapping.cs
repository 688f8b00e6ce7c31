namespace Posthorn.Services.Cleanup;

/// <summary>
/// One-to-one address mapping, canonical(5) as cleanup(8) applies it (Postfix's
/// cleanup_map11): look the address up (see <see cref="AddressMapLookup"/>), replace it with the
/// first address of the result, and look again, at most 10 times, until the address maps to
/// itself or to nothing. A multi-valued result logs a warning and uses the first address.
/// </summary>
internal sealed class CanonicalMapping
{
    private const int MaxRecursion = 10;
    private readonly AddressMapLookup _lookup;

    public CanonicalMapping(AddressMapLookup lookup) => _lookup = lookup;

    public string Map(CleanupState state, IReadOnlyList<string> mapSpecs, string address, bool propagate, string title)
    {
        if (mapSpecs.Count == 0)
            return address;
        for (int count = 0; count < MaxRecursion; count++)
        {
            var result = _lookup.Map(mapSpecs, address, propagate, externalKeys: true);
            if (result is null || result.Count == 0)
                return address;
            if (result.Count > 1)
                state.Warn($"{state.QueueId}: multi-valued {title} entry for {address}");
            bool toSelf = result[0].Equals(address, StringComparison.OrdinalIgnoreCase);
            address = result[0];
            if (toSelf)
                return address;
        }
        state.Warn($"{state.QueueId}: unreasonable {title} map nesting for {address} -- message not accepted, try again later");
        return address;
    }
}

/// <summary>
/// Address masquerading (masquerade_domains, masquerade_exceptions; Postfix's
/// cleanup_masquerade): a user in masquerade_exceptions is left alone; otherwise the first
/// masquerade_domains entry that is the address's domain stops the search, and the first that
/// is a parent domain of it replaces the domain — unless it is written <c>!domain</c>, which
/// keeps the domain as it is. Order matters: list <c>!sub.example.com</c> before
/// <c>example.com</c>.
/// </summary>
internal sealed class Masquerading
{
    private readonly IReadOnlyList<string> _domains;
    private readonly IReadOnlyList<string> _exceptions;
    private readonly AddressMapLookup _lookup;

    public Masquerading(CleanupSettings settings, AddressMapLookup lookup)
    {
        _domains = settings.MasqueradeDomains;
        _exceptions = settings.MasqueradeExceptions;
        _lookup = lookup;
    }

    public bool Enabled => _domains.Count > 0;

    public string Masquerade(string address)
    {
        int at = address.LastIndexOf('@');
        if (at < 0 || _domains.Count == 0)
            return address;
        var user = address[..at];
        if (IsException(user))
            return address;
        var domain = address[(at + 1)..].ToLowerInvariant();
        foreach (var entry in _domains)
        {
            var masq = entry;
            bool truncate = true;
            while (masq.StartsWith('!'))
            {
                truncate = !truncate;
                masq = masq[1..];
            }
            masq = masq.ToLowerInvariant();
            if (masq.Length == 0)
                continue;
            if (masq.Length == domain.Length)
            {
                if (masq == domain)
                    break;
            }
            else if (masq.Length < domain.Length
                && domain[domain.Length - masq.Length - 1] == '.'
                && domain.EndsWith(masq, StringComparison.Ordinal))
            {
                return truncate ? user + "@" + masq : address;
            }
        }
        return address;
    }

    private bool IsException(string user)
    {
        foreach (var item in _exceptions)
        {
            if (item.Contains(':', StringComparison.Ordinal))
            {
                if (_lookup.FindInMaps([item], user, partial: false) is not null)
                    return true;
            }
            else if (item.Equals(user, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
