namespace Posthorn.Core.Maps;

/// <summary>
/// A Postfix lookup table (DATABASE_README): one <c>type:name</c> that maps a key to a value.
/// <see cref="Lookup"/> returns the value or null when the key is not found; a table that
/// cannot answer now (fail:, a database error) throws <see cref="TableLookupException"/>, which a
/// consumer turns into a temporary failure as Postfix's DICT_ERR_RETRY does.
/// </summary>
public interface ILookupTable
{
    /// <summary>The table's name as given, e.g. <c>hash:/etc/postfix/virtual</c>.</summary>
    string Name { get; }

    /// <summary>The type part, e.g. <c>hash</c>.</summary>
    string Type { get; }

    /// <summary>
    /// True for tables whose keys are fixed strings (hash, texthash, cdb, inline, sqlite, ...):
    /// their keys are case-folded, and address lookups try partial keys (user@domain, user,
    /// @domain). False for pattern tables (regexp, pcre, cidr), which see the whole key in its
    /// original case.
    /// </summary>
    bool FixedKeys { get; }

    /// <summary>The value for <paramref name="key"/>, or null when not found.</summary>
    string? Lookup(string key, LookupFlags flags = LookupFlags.None);

    /// <summary>Every (key, value) in table order, for <c>postmap -s</c>; throws <see cref="NotSupportedException"/> where the type cannot list.</summary>
    IEnumerable<KeyValuePair<string, string>> Sequence();
}

/// <summary>Per-lookup options (Postfix's dict flags that a caller may change).</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Postfix calls these dict flags.")]
public enum LookupFlags
{
    None = 0,

    /// <summary>Do not fold the key to lower case (postmap -f).</summary>
    NoFold = 1,
}

/// <summary>The table could not answer now (Postfix's DICT_ERR_RETRY); the caller should defer.</summary>
public sealed class TableLookupException : Exception
{
    public TableLookupException(string message) : base(message) { }

    public TableLookupException() { }

    public TableLookupException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A table could not be opened or built: a missing file, a bad name, an unknown type. The message is Postfix's wording.</summary>
public sealed class TableOpenException : Exception
{
    public TableOpenException(string message) : base(message) { }

    public TableOpenException() { }

    public TableOpenException(string message, Exception inner) : base(message, inner) { }
}
