using Posthorn.Core.Matching;

namespace Posthorn.Core.Tests.Matching;

/// <summary>In-memory tables for tests: "hash:/name" -> key -> value; records partial-key lookups.</summary>
internal sealed class FakeMaps : IMapResolver
{
    private readonly Dictionary<string, Dictionary<string, string>> _tables = new(StringComparer.Ordinal);

    public List<(string Map, string Key, bool Partial)> Queries { get; } = [];

    public FakeMaps Add(string map, string key, string value)
    {
        if (!_tables.TryGetValue(map, out var t))
            _tables[map] = t = new Dictionary<string, string>(StringComparer.Ordinal);
        t[key] = value;
        return this;
    }

    public string? Find(string mapSpec, string key, bool partialKey = false)
    {
        Queries.Add((mapSpec, key, partialKey));
        return _tables.TryGetValue(mapSpec, out var t) && t.TryGetValue(key, out var v) ? v : null;
    }
}
