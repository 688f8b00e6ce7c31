namespace Posthorn.Services.Cleanup;

/// <summary>
/// One-to-many virtual alias expansion, virtual(5) as cleanup(8) applies it (Postfix's
/// cleanup_map1n): each address is looked up and replaced by the addresses of its result, and
/// those are looked up in turn. An address whose result contains itself is kept and not
/// expanded again (so <c>a -&gt; a, b</c> delivers to a and b). More than
/// virtual_alias_expansion_limit addresses, nesting deeper than virtual_alias_recursion_limit,
/// or a result longer than virtual_alias_address_length_limit defers the message with
/// "4.6.0 Alias expansion error" and leaves the address unexpanded.
/// </summary>
internal sealed class VirtualAliasExpansion
{
    private readonly AddressMapLookup _lookup;
    private readonly CleanupSettings _settings;

    public VirtualAliasExpansion(CleanupSettings settings, AddressMapLookup lookup)
    {
        _settings = settings;
        _lookup = lookup;
    }

    public List<string> Expand(CleanupState state, string address)
    {
        var maps = _settings.VirtualAliasMaps;
        var argv = new List<string> { address };
        if (maps.Count == 0)
            return argv;
        var beenHere = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int arg = 0; arg < argv.Count; arg++)
        {
            if (argv.Count > _settings.VirtualAliasExpansionLimit)
                return Fail(state, $"unreasonable virtual_alias_maps map expansion size for {address}", address);
            for (int count = 0; ; count++)
            {
                if (beenHere.Contains(argv[arg]))
                    break;
                if (count >= _settings.VirtualAliasRecursionLimit)
                    return Fail(state, $"unreasonable virtual_alias_maps map nesting for {address}", address);
                var lookup = _lookup.Map(maps, argv[arg], _settings.PropagateVirtual);
                if (lookup is null)
                    break;
                var lhs = argv[arg];
                for (int i = 0; i < lookup.Count; i++)
                {
                    if (lookup[i].Length > _settings.VirtualAliasAddressLengthLimit)
                        return Fail(state, $"unreasonable virtual_alias_maps result {Cut(lookup[i])}...", address);
                    if (i == 0)
                        argv[arg] = lookup[i];
                    else
                        argv.Add(lookup[i]);
                    if (lhs.Equals(lookup[i], StringComparison.OrdinalIgnoreCase))
                        beenHere.Add(lhs);
                }
                if (lookup.Count == 0)
                    break;
            }
        }
        return argv;
    }

    private static List<string> Fail(CleanupState state, string what, string address)
    {
        state.Warn($"{state.QueueId}: {what} -- message not accepted, try again later");
        state.Fail(CleanupDispositionKind.Defer, "451 4.6.0 Alias expansion error");
        return [address];
    }

    private static string Cut(string s) => s.Length <= 300 ? s : s[..300];
}
