namespace Posthorn.Core.Maps;

/// <summary>
/// <c>static:value</c> and <c>static:{ value with spaces }</c> (DATABASE_README): every key
/// finds the same value.
/// </summary>
public sealed class StaticTable(string name, string value) : ILookupTable
{
    public string Name { get; } = "static:" + name;

    public string Type => "static";

    public bool FixedKeys => true;

    public static StaticTable Open(string name)
    {
        var value = name;
        if (name.StartsWith('{'))
            value = BraceList.Inner(name)?.Trim() ?? throw new TableOpenException($"bad static:name syntax: missing '}}' in \"{name}\"");
        return new StaticTable(name, value);
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None) => value;

    public IEnumerable<KeyValuePair<string, string>> Sequence() => [];
}

/// <summary><c>fail:name</c>: every lookup fails with a temporary error (for testing error handling).</summary>
public sealed class FailTable(string name) : ILookupTable
{
    public string Name { get; } = "fail:" + name;

    public string Type => "fail";

    public bool FixedKeys => true;

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None) =>
        throw new TableLookupException($"table {Name}: query error: Application error");

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new TableLookupException($"table {Name}: query error: Application error");
}

/// <summary><c>environ:name</c>: looks keys up as environment variables (case preserved).</summary>
public sealed class EnvironTable(string name) : ILookupTable
{
    public string Name { get; } = "environ:" + name;

    public string Type => "environ";

    public bool FixedKeys => false;

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None) => Environment.GetEnvironmentVariable(key);

    public IEnumerable<KeyValuePair<string, string>> Sequence()
    {
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            yield return new((string)e.Key, (string?)e.Value ?? "");
    }
}

/// <summary>
/// <c>nis:name</c>: accepted so that Postfix 3.7's default <c>alias_maps = hash:/etc/aliases,
/// nis:mail.aliases</c> works. Posthorn has no NIS client; like Postfix on a host without an
/// NIS domain it warns once at open ("NIS domain name not set - NIS lookups disabled") and
/// finds nothing.
/// </summary>
public sealed class NisTable(string name) : ILookupTable
{
    public string Name { get; } = "nis:" + name;

    public string Type => "nis";

    public bool FixedKeys => true;

    public static NisTable Open(string name, TableOptions options)
    {
        options.Warn("dict_nis_init: NIS domain name not set - NIS lookups disabled");
        return new NisTable(name);
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None) => null;

    public IEnumerable<KeyValuePair<string, string>> Sequence() => [];
}

/// <summary>
/// <c>unionmap:{ t1, t2, ... }</c>: queries every table and joins all results with commas,
/// in order; not found only when no table finds the key.
/// </summary>
public sealed class UnionMap(string name, IReadOnlyList<ILookupTable> tables) : ILookupTable
{
    public string Name { get; } = "unionmap:" + name;

    public string Type => "unionmap";

    public bool FixedKeys => tables.All(t => t.FixedKeys);

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        List<string>? found = null;
        foreach (var t in tables)
        {
            var v = t.Lookup(key, flags);
            if (v is not null)
                (found ??= []).Add(v);
        }
        return found is null ? null : string.Join(',', found);
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");
}

/// <summary>
/// <c>pipemap:{ t1, t2, ... }</c>: the result of each table is the key for the next; not found
/// as soon as one table does not find it.
/// </summary>
public sealed class PipeMap(string name, IReadOnlyList<ILookupTable> tables) : ILookupTable
{
    public string Name { get; } = "pipemap:" + name;

    public string Type => "pipemap";

    public bool FixedKeys => tables.Count > 0 && tables[0].FixedKeys;

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        string? v = key;
        foreach (var t in tables)
        {
            v = t.Lookup(v, flags);
            if (v is null)
                return null;
        }
        return v;
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");
}
