namespace Posthorn.Core.Matching;

/// <summary>Which derived keys mail_addr_find() tries, as Postfix's MA_FIND_* bits.</summary>
[Flags]
public enum AddrFindStrategy
{
    None = 0,
    Full = 1,
    NoExtension = 2,
    LocalpartIfLocal = 4,
    LocalpartAtIfLocal = 8,
    AtDomain = 16,
    Domain = 32,
    ParentDomainMatchesSubdomains = 64,
    ParentDomainDotMatchesSubdomains = 128,
    LocalpartAt = 256,

    /// <summary>canonical(5), virtual(5), relocated(5) and most address tables: user+ext@domain, user@domain, user (local domains only), @domain.</summary>
    Default = Full | NoExtension | LocalpartIfLocal | AtDomain,
}

/// <summary>
/// Postfix's mail_addr_find(): looks an address up in a list of tables under the keys the
/// strategy allows, in Postfix's order: the full address, the address without its extension
/// (recipient_delimiter), the local part when the domain is local (with and then without
/// extension; with a trailing "@" for LocalpartAtIfLocal), "@domain", the domain and its parents,
/// and "localpart@". Keys other than the full address are partial (regexp tables are not asked).
/// Keys are lower-cased. Returns the value and the extension that had to be dropped to find it.
/// </summary>
public static class MailAddrFind
{
    public static (string? Value, string? Extension) Find(
        IMapResolver maps, IReadOnlyList<string> tables, string address, AddrFindStrategy strategy,
        string recipientDelimiter, Func<string, bool>? isLocalDomain = null)
    {
        if (tables.Count == 0)
            return (null, null);
        var full = address.ToLowerInvariant();
        int at = full.LastIndexOf('@');
        string? bare = null, extension = null;
        if (recipientDelimiter.Length > 0 && (strategy & AddrFindStrategy.NoExtension) != 0)
        {
            var local = at < 0 ? full : full[..at];
            int d = local.IndexOfAny(recipientDelimiter.ToCharArray());
            if (d > 0)
            {
                bare = local[..d] + (at < 0 ? "" : full[at..]);
                extension = local[d..];
            }
        }

        string? Lookup(string key, bool partial)
        {
            foreach (var t in tables)
                if (maps.Find(t, key, partial) is { } v)
                    return v;
            return null;
        }

        if ((strategy & AddrFindStrategy.Full) != 0 && Lookup(full, false) is { } r0)
            return (r0, null);
        if (bare is not null && Lookup(bare, true) is { } r1)
            return (r1, extension);
        if (at < 0)
            return (null, null);
        var domain = full[(at + 1)..];
        if ((strategy & (AddrFindStrategy.LocalpartIfLocal | AddrFindStrategy.LocalpartAtIfLocal)) != 0
            && isLocalDomain is not null && isLocalDomain(domain))
        {
            if ((strategy & AddrFindStrategy.LocalpartIfLocal) != 0 && FindLocal(Lookup, full, bare, at, 0) is { } r2)
                return (r2.Value, r2.UsedBare ? extension : null);
            if ((strategy & AddrFindStrategy.LocalpartAtIfLocal) != 0 && FindLocal(Lookup, full, bare, at, 1) is { } r3)
                return (r3.Value, r3.UsedBare ? extension : null);
        }
        if ((strategy & AddrFindStrategy.AtDomain) != 0 && Lookup(full[at..], true) is { } r4)
            return (r4, null);
        if ((strategy & AddrFindStrategy.Domain) != 0)
        {
            var name = domain;
            while (name.Length > 0)
            {
                if (Lookup(name, true) is { } r5)
                    return (r5, null);
                if ((strategy & (AddrFindStrategy.ParentDomainMatchesSubdomains | AddrFindStrategy.ParentDomainDotMatchesSubdomains)) == 0)
                    break;
                int dot = name.IndexOf('.', 1);
                if (dot < 0)
                    break;
                name = (strategy & AddrFindStrategy.ParentDomainDotMatchesSubdomains) != 0 ? name[dot..] : name[(dot + 1)..];
            }
        }
        if ((strategy & AddrFindStrategy.LocalpartAt) != 0 && FindLocal(Lookup, full, bare, at, 1) is { } r6)
            return (r6.Value, r6.UsedBare ? extension : null);
        return (null, null);
    }

    private static (string Value, bool UsedBare)? FindLocal(Func<string, bool, string?> lookup, string full, string? bare, int at, int keepAt)
    {
        if (lookup(full[..(at + keepAt)], true) is { } v)
            return (v, false);
        if (bare is not null)
        {
            int bareAt = bare.LastIndexOf('@');
            if (lookup(bare[..(bareAt + keepAt)], true) is { } w)
                return (w, true);
        }
        return null;
    }
}
