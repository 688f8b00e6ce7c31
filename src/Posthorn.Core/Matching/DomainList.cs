using Posthorn.Core.Config;

namespace Posthorn.Core.Matching;

/// <summary>
/// A Postfix domain or string list (mydestination, relay_domains, virtual_alias_domains,
/// virtual_mailbox_domains ...), as match_list(3) evaluates it: patterns separated by commas and
/// whitespace, matched left to right, the first match decides; <c>!pattern</c> negates;
/// <c>/file/name</c> reads more patterns from a file; <c>type:table</c> looks the name up.
/// A domain pattern matches the name itself (case-insensitively) and, with parent style (the
/// list's parameter named in <c>parent_domain_matches_subdomains</c>), its subdomains; a
/// <c>.domain</c> pattern matches subdomains only. A string list (no domain semantics) matches
/// exact strings only.
/// </summary>
public sealed class DomainList
{
    private readonly List<string> _patterns;
    private readonly bool _parentStyle;
    private readonly bool _domainSemantics;
    private readonly IMapResolver _maps;

    private DomainList(List<string> patterns, bool parentStyle, bool domainSemantics, IMapResolver maps)
    {
        _patterns = patterns;
        _parentStyle = parentStyle;
        _domainSemantics = domainSemantics;
        _maps = maps;
    }

    public bool IsEmpty => _patterns.Count == 0;

    /// <summary>A domain list for a parameter, with its parent style from parent_domain_matches_subdomains.</summary>
    public static DomainList ForParameter(MainConfig config, string parameter, IMapResolver maps) =>
        Create(config.Get(parameter), IsParentStyle(config, parameter), true, maps);

    /// <summary>A string list (virtual_alias_domains, virtual_mailbox_domains): exact matches and table lookups.</summary>
    public static DomainList StringListForParameter(MainConfig config, string parameter, IMapResolver maps) =>
        Create(config.Get(parameter), false, false, maps);

    public static DomainList Create(string value, bool parentStyle, bool domainSemantics, IMapResolver maps) =>
        new(ExpandFiles(MainConfig.SplitList(value)), parentStyle, domainSemantics, maps);

    /// <summary>True when the parameter is listed in parent_domain_matches_subdomains.</summary>
    public static bool IsParentStyle(MainConfig config, string parameter) =>
        config.GetList("parent_domain_matches_subdomains").Contains(parameter, StringComparer.Ordinal);

    public bool Matches(string name)
    {
        var lower = name.ToLowerInvariant();
        foreach (var raw in _patterns)
        {
            bool negate = false;
            var pattern = raw;
            while (pattern.StartsWith('!'))
            {
                negate = !negate;
                pattern = pattern[1..];
            }
            if (pattern.Length == 0)
                continue;
            if (MatchOne(pattern, lower))
                return !negate;
        }
        return false;
    }

    private bool MatchOne(string pattern, string name)
    {
        if (IsTable(pattern))
            return MatchTable(pattern, name);
        var p = pattern.ToLowerInvariant();
        if (!_domainSemantics)
            return p == name;
        if (p == name)
            return true;
        if (p.StartsWith('.'))
            return name.EndsWith(p, StringComparison.Ordinal);
        return _parentStyle && name.EndsWith("." + p, StringComparison.Ordinal);
    }

    private bool MatchTable(string table, string name)
    {
        if (_maps.Find(table, name, partialKey: false) is not null)
            return true;
        if (!_domainSemantics)
            return false;
        // Parent domains: "sub.example.com" -> "example.com" (parent style) or ".example.com".
        for (int dot = name.IndexOf('.', StringComparison.Ordinal); dot >= 0 && dot < name.Length - 1;
             dot = name.IndexOf('.', dot + 1))
        {
            var key = _parentStyle ? name[(dot + 1)..] : name[dot..];
            if (_maps.Find(table, key, partialKey: true) is not null)
                return true;
        }
        return false;
    }

    /// <summary>A pattern of the form type:name (but not an IPv6 address or a bracketed literal).</summary>
    internal static bool IsTable(string pattern)
    {
        int colon = pattern.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && pattern[0] != '[' && pattern[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');
    }

    private static List<string> ExpandFiles(IEnumerable<string> items)
    {
        var result = new List<string>();
        foreach (var item in items)
        {
            var body = item.TrimStart('!');
            if (body.StartsWith('/'))
            {
                bool negate = (item.Length - body.Length) % 2 == 1;
                foreach (var line in File.ReadLines(body))
                {
                    var t = line.Trim();
                    if (t.Length == 0 || t[0] == '#')
                        continue;
                    foreach (var p in MainConfig.SplitList(t))
                        result.Add(negate ? "!" + p : p);
                }
            }
            else
            {
                result.Add(item);
            }
        }
        return result;
    }
}
