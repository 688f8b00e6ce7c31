namespace Posthorn.Core.Maps;

/// <summary>One lookup table type: its name (the part before the colon), whether postmap can build it, and how to open it.</summary>
public sealed record TableType(string Name, string Summary, bool Creatable, Func<string, TableOptions, ILookupTable> Open)
{
    /// <summary>The suffix of the indexed file postmap writes (<c>.db</c>, <c>.lmdb</c>, <c>.cdb</c>), or null for types read from their source.</summary>
    public string? Suffix { get; init; }
}

/// <summary>
/// The registry of table types (DATABASE_README, postconf -m). <see cref="Names"/> is what
/// <c>postconf -m</c> lists. <see cref="OpenUncached"/> opens a <c>type:name</c> without the
/// cache; services use <see cref="Tables.Open(string, Config.MainConfig, Action{string}?)"/>.
/// </summary>
public static class TableTypes
{
    public static IReadOnlyList<TableType> All { get; } =
    [
        new("btree", "indexed file name.db (Posthorn's mapped hash format)", true, (n, o) => IndexedTable.Open("btree", n, n + ".db", o)) { Suffix = ".db" },
        new("cdb", "constant database file name.cdb", true, (n, o) => CdbTable.Open(n, n + ".cdb", o)) { Suffix = ".cdb" },
        new("cidr", "cidr_table(5) network blocks", false, CidrTable.Open),
        new("environ", "environment variables", false, (n, _) => new EnvironTable(n)),
        new("fail", "a table that fails every lookup", false, (n, _) => new FailTable(n)),
        new("hash", "indexed file name.db (Posthorn's mapped hash format)", true, (n, o) => IndexedTable.Open("hash", n, n + ".db", o)) { Suffix = ".db" },
        new("inline", "inline:{ key=value, ... } in main.cf", false, InlineTable.Open),
        new("lmdb", "indexed file name.lmdb (Posthorn's mapped hash format)", true, (n, o) => IndexedTable.Open("lmdb", n, n + ".lmdb", o)) { Suffix = ".lmdb" },
        new("nis", "NIS (no NIS client: finds nothing, as Postfix without an NIS domain)", false, NisTable.Open),
        new("pcre", "pcre_table(5) Perl-compatible regular expressions", false, (n, o) => RegexpTable.Open("pcre", n, o)),
        new("pipemap", "pipemap:{ t1, t2, ... } pipeline of tables", false, (n, o) => new PipeMap(n, OpenList("pipemap", n, o))),
        new("proxy", "proxy:type:name, opened directly", false, OpenUncached),
        new("regexp", "regexp_table(5) POSIX regular expressions", false, (n, o) => RegexpTable.Open("regexp", n, o)),
        new("sqlite", "sqlite_table(5) SQLite queries", false, (n, o) => SqliteTable.Open(n, o)),
        new("static", "static:value, one result for every key", false, (n, _) => StaticTable.Open(n)),
        new("texthash", "postmap(1) source file read into memory", false, TextHashTable.Open),
        new("unix", "unix:passwd.byname and unix:group.byname, the system's accounts", false, UnixTable.Open),
        new("unionmap", "unionmap:{ t1, t2, ... } union of results", false, (n, o) => new UnionMap(n, OpenList("unionmap", n, o))),
    ];

    /// <summary>The type names, sorted, as <c>postconf -m</c> prints them.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(t => t.Name).Order(StringComparer.Ordinal).ToList();

    public static TableType? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Splits <c>type:name</c>; a name without a colon or with an empty name is Postfix's "expecting type:name" error.</summary>
    public static (TableType Type, string Name) Resolve(string typeAndName)
    {
        int colon = typeAndName.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == typeAndName.Length - 1)
            throw new TableOpenException($"open dictionary: expecting \"type:name\" form instead of \"{typeAndName}\"");
        var typeName = typeAndName[..colon];
        var type = Find(typeName) ?? throw new TableOpenException($"unsupported dictionary type: {typeName}");
        return (type, typeAndName[(colon + 1)..]);
    }

    /// <summary>Opens a table without caching or freshness checks.</summary>
    public static ILookupTable OpenUncached(string typeAndName, TableOptions options)
    {
        var (type, name) = Resolve(typeAndName);
        return type.Open(name, options);
    }

    private static List<ILookupTable> OpenList(string type, string name, TableOptions options)
    {
        var inner = BraceList.Inner(name) ?? throw new TableOpenException($"bad syntax: \"{type}:{name}\"; need \"{type}:{{type:name...}}\"");
        var items = BraceList.Split(inner);
        if (items.Count == 0)
            throw new TableOpenException($"bad syntax: \"{type}:{name}\"; need at least one table");
        return items.Select(i => FreshTable.Wrap(i, options)).ToList();
    }
}

/// <summary><c>inline:{ key=value, { key = text, with commas }, ... }</c>: a table written in main.cf.</summary>
internal static class InlineTable
{
    public static ILookupTable Open(string name, TableOptions options)
    {
        var inner = BraceList.Inner(name);
        if (inner is null)
            throw new TableOpenException($"bad syntax: \"inline:{name}\"; need \"inline:{{name=value...}}\"");
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var item in BraceList.Split(inner))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new TableOpenException($"bad syntax: \"inline:{name}\"; need \"inline:{{name=value...}}\"");
            pairs.Add(new(item[..eq].Trim(), item[(eq + 1)..].Trim()));
        }
        return TextHashTable.FromPairs("inline", name, pairs, options);
    }
}
