using Posthorn.Core.Config;

namespace Posthorn.Core.Maps;

/// <summary>
/// An ordered list of tables from one main.cf parameter (Postfix's maps: <c>alias_maps</c>,
/// <c>virtual_alias_maps</c>, <c>transport_maps</c>, ...): the first table that finds a key
/// answers. A table that fails (<see cref="TableLookupException"/>) stops the search, as
/// Postfix's maps_find reports the error instead of trying the next table.
/// </summary>
public sealed class TableList
{
    public TableList(string parameter, IReadOnlyList<ILookupTable> tables)
    {
        Parameter = parameter;
        Tables = tables;
    }

    /// <summary>The parameter the list came from, for log messages.</summary>
    public string Parameter { get; }

    public IReadOnlyList<ILookupTable> Tables { get; }

    public bool IsEmpty => Tables.Count == 0;

    /// <summary>Opens the tables named by a list-valued parameter (cached through <see cref="Maps.Tables.Open(string, MainConfig, Action{string}?)"/>).</summary>
    public static TableList FromParameter(string parameter, MainConfig config, Action<string>? warn = null) =>
        new(parameter, Maps.Tables.OpenList(parameter, config, warn));

    /// <summary>The first value found for a plain key.</summary>
    public string? Find(string key, LookupFlags flags = LookupFlags.None)
    {
        foreach (var t in Tables)
        {
            var v = t.Lookup(key, flags);
            if (v is not null)
                return v;
        }
        return null;
    }

    /// <summary>The first match of an address search (e.g. <c>list.Find(t => AddressLookup.Virtual(t, address, config))</c>).</summary>
    public AddressMatch? Find(Func<ILookupTable, AddressMatch?> search) => AddressLookup.First(Tables, search);
}
