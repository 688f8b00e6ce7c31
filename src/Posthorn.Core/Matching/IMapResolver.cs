namespace Posthorn.Core.Matching;

/// <summary>
/// How lists and resolvers reach lookup tables (<c>type:name</c>) without depending on the table
/// layer's construction: one call per (table, key). <paramref name="partialKey"/> is Postfix's
/// DICT_FLAG_FIXED: the key is a partial address (a domain, a stripped address), which
/// regexp and pcre tables must not be asked about.
/// </summary>
public interface IMapResolver
{
    /// <summary>The lookup result, or null when the key is not found.</summary>
    string? Find(string mapSpec, string key, bool partialKey = false);
}

/// <summary>A resolver that knows no tables; every lookup misses.</summary>
public sealed class NoMaps : IMapResolver
{
    public static NoMaps Instance { get; } = new();

    public string? Find(string mapSpec, string key, bool partialKey = false) => null;
}
