using Posthorn.Core.Config;

namespace Posthorn.Core.Maps;

/// <summary>What an address lookup found: the value, the key that matched, and the address extension the key did not include (for propagate_unmatched_extensions).</summary>
public sealed record AddressMatch(string Value, string MatchedKey, string? UnmatchedExtension);

/// <summary>
/// The address search orders that Postfix's table-driven features share (mail_addr_find):
/// <list type="bullet">
/// <item><see cref="Virtual"/> and <see cref="Canonical"/> (virtual(5), canonical(5)):
/// <c>user+ext@domain</c>, <c>user@domain</c>, then when the domain is local ($myorigin,
/// $mydestination, $inet_interfaces, $proxy_interfaces) <c>user+ext</c>, <c>user</c>, then
/// <c>@domain</c>.</item>
/// <item><see cref="Access"/> (access(5)): <c>user+ext@domain</c>, <c>user@domain</c>,
/// <c>domain</c>, its parent domains (<c>parent</c> or <c>.parent</c> per
/// parent_domain_matches_subdomains containing <c>smtpd_access_maps</c>), <c>user+ext@</c>, <c>user@</c>.</item>
/// <item><see cref="Transport"/> (transport(5)): <c>user+ext@domain</c>, <c>user@domain</c>,
/// <c>domain</c>, parent domains (per <c>transport_maps</c> in
/// parent_domain_matches_subdomains), <c>*</c>.</item>
/// <item><see cref="Alias"/> (aliases(5)): the local part <c>user+ext</c>, then <c>user</c>.</item>
/// </list>
/// Extensions split at the first of the recipient_delimiter characters. Pattern tables
/// (regexp, pcre) are queried with the whole address only, in its original case.
/// </summary>
public static class AddressLookup
{
    public static AddressMatch? Virtual(ILookupTable table, string address, MainConfig config) =>
        UserDomain(table, address, config);

    public static AddressMatch? Canonical(ILookupTable table, string address, MainConfig config) =>
        UserDomain(table, address, config);

    /// <summary>Searches several tables in order (e.g. virtual_alias_maps); the first table that finds anything wins.</summary>
    public static AddressMatch? First(IEnumerable<ILookupTable> tables, Func<ILookupTable, AddressMatch?> search)
    {
        foreach (var t in tables)
        {
            var m = search(t);
            if (m is not null)
                return m;
        }
        return null;
    }

    public static AddressMatch? Alias(ILookupTable table, string localPart, MainConfig config)
    {
        if (!table.FixedKeys)
            return Try(table, localPart, null);
        var (user, ext) = SplitExtension(localPart, config.Get("recipient_delimiter"));
        return Try(table, localPart, null) ?? (ext is null ? null : Try(table, user, ext));
    }

    public static AddressMatch? Access(ILookupTable table, string address, MainConfig config)
    {
        if (!table.FixedKeys)
            return Try(table, address, null);
        var (local, domain) = Split(address);
        var (user, ext) = SplitExtension(local, config.Get("recipient_delimiter"));
        if (domain is not null)
        {
            var m = Try(table, address, null) ?? (ext is null ? null : Try(table, user + "@" + domain, ext));
            if (m is not null)
                return m;
            m = Domains(table, domain, ParentMatches("smtpd_access_maps", config));
            if (m is not null)
                return m;
        }
        else
        {
            return Try(table, address, null);
        }
        return Try(table, local + "@", null) ?? (ext is null ? null : Try(table, user + "@", ext));
    }

    public static AddressMatch? Transport(ILookupTable table, string address, MainConfig config)
    {
        if (!table.FixedKeys)
            return Try(table, address, null);
        var (local, domain) = Split(address);
        var (user, ext) = SplitExtension(local, config.Get("recipient_delimiter"));
        var m = Try(table, address, null) ?? (ext is null || domain is null ? null : Try(table, user + "@" + domain, ext));
        if (m is not null)
            return m;
        if (domain is not null)
        {
            m = Domains(table, domain, ParentMatches("transport_maps", config));
            if (m is not null)
                return m;
        }
        return Try(table, "*", null);
    }

    /// <summary>
    /// access(5) client hostname lookup (check_client_access, check_helo_access): the name,
    /// then parent domains (<c>parent</c> or <c>.parent</c> per parent_domain_matches_subdomains
    /// containing <c>smtpd_access_maps</c>). Pattern tables see the name only.
    /// </summary>
    public static AddressMatch? ClientHost(ILookupTable table, string hostname, MainConfig config) =>
        table.FixedKeys ? Domains(table, hostname, ParentMatches("smtpd_access_maps", config)) : Try(table, hostname, null);

    /// <summary>
    /// access(5) client address lookup: the whole address, then shorter network prefixes,
    /// IPv4 by octets (<c>1.2.3.4</c>, <c>1.2.3</c>, <c>1.2</c>, <c>1</c>) and IPv6 by
    /// colon-separated groups of its compressed form. Pattern tables (cidr, regexp) see the
    /// whole address only.
    /// </summary>
    public static AddressMatch? ClientAddress(ILookupTable table, string address)
    {
        var m = Try(table, address, null);
        if (m is not null || !table.FixedKeys)
            return m;
        char sep = address.Contains(':', StringComparison.Ordinal) ? ':' : '.';
        var a = address;
        int cut;
        while ((cut = a.LastIndexOf(sep)) > 0)
        {
            a = a[..cut].TrimEnd(sep);
            if (a.Length == 0)
                break;
            m = Try(table, a, null);
            if (m is not null)
                return m;
        }
        return null;
    }

    /// <summary>Looks up a domain, then its parents: <c>example.com</c> for <c>a.example.com</c> when parent matching is on, else <c>.example.com</c>.</summary>
    public static AddressMatch? Domains(ILookupTable table, string domain, bool parentMatches)
    {
        var m = Try(table, domain, null);
        if (m is not null)
            return m;
        var d = domain;
        int dot;
        while ((dot = d.IndexOf('.', StringComparison.Ordinal)) >= 0)
        {
            d = d[(dot + 1)..];
            if (d.Length == 0)
                break;
            m = parentMatches ? Try(table, d, null) : Try(table, "." + d, null);
            if (m is not null)
                return m;
        }
        return null;
    }

    /// <summary>True when parent_domain_matches_subdomains lists the feature (e.g. <c>smtpd_access_maps</c>, <c>transport_maps</c>).</summary>
    public static bool ParentMatches(string feature, MainConfig config) =>
        config.GetList("parent_domain_matches_subdomains").Contains(feature, StringComparer.Ordinal);

    /// <summary>Splits an address at its last <c>@</c>; no domain gives null.</summary>
    public static (string Local, string? Domain) Split(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? (address, null) : (address[..at], address[(at + 1)..]);
    }

    /// <summary>
    /// Splits <c>user+ext</c> at the first recipient_delimiter character (any of several);
    /// no delimiter, or one at the very start, gives no extension.
    /// </summary>
    public static (string User, string? Extension) SplitExtension(string local, string delimiters)
    {
        if (delimiters.Length == 0)
            return (local, null);
        int i = local.IndexOfAny(delimiters.ToCharArray());
        if (i <= 0)
            return (local, null);
        return (local[..i], local[i..]);
    }

    /// <summary>Splits a multi-valued result (aliases, virtual) into its comma-separated elements, keeping commas inside quotes.</summary>
    public static IReadOnlyList<string> SplitValues(string value)
    {
        var items = new List<string>();
        int start = 0;
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length)
                i++;
            else if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                Add(value[start..i]);
                start = i + 1;
            }
        }
        Add(value[start..]);
        return items;

        void Add(string s)
        {
            s = s.Trim();
            if (s.Length > 0)
                items.Add(s);
        }
    }

    private static AddressMatch? UserDomain(ILookupTable table, string address, MainConfig config)
    {
        if (!table.FixedKeys)
            return Try(table, address, null);
        var (local, domain) = Split(address);
        var (user, ext) = SplitExtension(local, config.Get("recipient_delimiter"));
        if (domain is null)
            return Try(table, local, null) ?? (ext is null ? null : Try(table, user, ext));
        var m = Try(table, address, null) ?? (ext is null ? null : Try(table, user + "@" + domain, ext));
        if (m is not null)
            return m;
        if (IsLocalDomain(domain, config))
        {
            m = Try(table, local, null) ?? (ext is null ? null : Try(table, user, ext));
            if (m is not null)
                return m;
        }
        return Try(table, "@" + domain, ext);
    }

    /// <summary>True when the domain is $myorigin, in $mydestination, or an [address] of $inet_interfaces / $proxy_interfaces.</summary>
    public static bool IsLocalDomain(string domain, MainConfig config)
    {
        var d = domain.TrimEnd('.');
        if (d.Equals(config.Get("myorigin"), StringComparison.OrdinalIgnoreCase))
            return true;
        if (config.GetList("mydestination").Any(x => x.Equals(d, StringComparison.OrdinalIgnoreCase)))
            return true;
        if (d.StartsWith('[') && d.EndsWith(']'))
        {
            var ip = d[1..^1];
            return config.GetList("inet_interfaces").Concat(config.GetList("proxy_interfaces"))
                .Any(x => x.Equals(ip, StringComparison.OrdinalIgnoreCase));
        }
        return false;
    }

    private static AddressMatch? Try(ILookupTable table, string key, string? unmatchedExtension)
    {
        var v = table.Lookup(key);
        return v is null ? null : new AddressMatch(v, key, unmatchedExtension);
    }
}
