using Posthorn.Core.Addressing;
using Posthorn.Core.Matching;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// The address lookup that canonical(5), virtual(5) and the *_bcc_maps share (Postfix's
/// mail_addr_find() and mail_addr_map()): search <c>user+ext@domain</c>, then
/// <c>user@domain</c>; when the domain is $myorigin or local (mydestination, inet_interfaces,
/// proxy_interfaces) <c>user+ext</c> then <c>user</c>; then <c>@domain</c>. The extension is split
/// at the first recipient_delimiter character (never for postmaster, MAILER-DAEMON, and with
/// "-" not for owner-* and *-request). A result <c>@otherdomain</c> keeps the user part; each
/// address of a (comma-separated) result is rewritten to standard form, and an extension that
/// was stripped to find the match is put back when propagation is on
/// (propagate_unmatched_extensions).
/// </summary>
internal sealed class AddressMapLookup
{
    private readonly IMapResolver _maps;
    private readonly AddressRewriter _rewriter;
    private readonly LocalDomains _local;
    private readonly string _delimiters;
    private readonly string _myorigin;

    public AddressMapLookup(CleanupSettings settings, IMapResolver maps, AddressRewriter rewriter, LocalDomains local)
    {
        _maps = maps;
        _rewriter = rewriter;
        _local = local;
        _delimiters = settings.RecipientDelimiter;
        _myorigin = settings.MyOrigin;
    }

    /// <summary>The first table in <paramref name="mapSpecs"/> that knows <paramref name="key"/>.</summary>
    public string? FindInMaps(IReadOnlyList<string> mapSpecs, string key, bool partial)
    {
        foreach (var spec in mapSpecs)
        {
            var v = _maps.Find(spec, key, partial);
            if (v is not null)
                return v;
        }
        return null;
    }

    /// <summary>
    /// mail_addr_find(): the raw table value for an address; <paramref name="extension"/> is set
    /// when found without it. With <paramref name="externalKeys"/> (canonical maps) keys are in
    /// external form, a local part that needs it quoted; else (virtual, bcc maps) unquoted.
    /// </summary>
    public string? Find(IReadOnlyList<string> mapSpecs, string address, out string? extension, bool externalKeys = false)
    {
        extension = null;
        var (bare, ext) = SplitExtension(address);
        var result = FindInMaps(mapSpecs, Key(address, externalKeys), partial: false);
        if (result is null && bare is not null)
        {
            result = FindInMaps(mapSpecs, Key(bare, externalKeys), partial: true);
            if (result is not null)
                extension = ext;
        }
        int at = address.LastIndexOf('@');
        if (result is null && at >= 0)
        {
            var domain = address[(at + 1)..];
            if (domain.Equals(_myorigin, StringComparison.OrdinalIgnoreCase) || _local.IsLocal(domain))
            {
                result = FindInMaps(mapSpecs, Key(address[..at], externalKeys), partial: true);
                if (result is null && bare is not null)
                {
                    result = FindInMaps(mapSpecs, Key(bare[..bare.LastIndexOf('@')], externalKeys), partial: true);
                    if (result is not null)
                        extension = ext;
                }
            }
            result ??= FindInMaps(mapSpecs, address[at..], partial: true);
        }
        return result;
    }

    /// <summary>mail_addr_map(): the addresses an address maps to, or null when no table knows it.</summary>
    public List<string>? Map(IReadOnlyList<string> mapSpecs, string address, bool propagate, bool externalKeys = false)
    {
        var value = Find(mapSpecs, address, out var extension, externalKeys);
        if (value is null)
            return null;
        if (value.StartsWith('@'))
        {
            int at = address.LastIndexOf('@');
            var user = at < 0 ? address : address[..at];
            if (extension is not null)
                user = user[..^extension.Length];
            value = Rfc822Tokens.Quote(user + value);
        }
        var result = new List<string>();
        var items = value.Length == 0 || value == "<>" ? [""] : HeaderAddressList.Extract(value);
        foreach (var item in items)
        {
            var a = _rewriter.Rewrite(item);
            if (propagate && extension is not null)
            {
                int at = a.LastIndexOf('@');
                a = at < 0 ? a + extension : a[..at] + extension + a[at..];
            }
            result.Add(a);
        }
        return result;
    }

    private static string Key(string address, bool external) => external ? Rfc822Tokens.Quote(address) : address;

    /// <summary>The address without its extension and the extension (with its delimiter); (null, null) when it has none.</summary>
    public (string? Bare, string? Extension) SplitExtension(string address)
    {
        if (_delimiters.Length == 0)
            return (null, null);
        int at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        if (local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
            || local.Equals("MAILER-DAEMON", StringComparison.OrdinalIgnoreCase))
            return (null, null);
        if (_delimiters.Contains('-', StringComparison.Ordinal)
            && (local.StartsWith("owner-", StringComparison.OrdinalIgnoreCase)
                || (local.Length > 8 && local.EndsWith("-request", StringComparison.OrdinalIgnoreCase))))
            return (null, null);
        int d = local.IndexOfAny(_delimiters.ToCharArray());
        if (d <= 0)
            return (null, null);
        return (local[..d] + (at < 0 ? "" : address[at..]), local[d..]);
    }
}
