namespace Posthorn.Core.Config;

/// <summary>
/// Every parameter Posthorn registers, with Postfix's name and default. Lookups of names not
/// registered here still work (they expand to what main.cf says, or to the empty string), but
/// postconf reports them as unused.
/// </summary>
public static class ParameterRegistry
{
    private static readonly Dictionary<string, ParameterDefinition> Definitions = Build();

    public static bool TryGet(string name, out ParameterDefinition definition) =>
        Definitions.TryGetValue(name, out definition!);

    public static IEnumerable<ParameterDefinition> All => Definitions.Values;

    private static Dictionary<string, ParameterDefinition> Build()
    {
        var d = new Dictionary<string, ParameterDefinition>(StringComparer.Ordinal);
        foreach (var def in BuiltinParameters.Definitions())
            d[def.Name] = def;
        return d;
    }
}
