namespace Posthorn.Core.Maps;

/// <summary>
/// A table held in memory: <c>texthash:</c> (the source file read at open, DATABASE_README),
/// and <c>inline:</c>/<c>static:</c> helpers share it. Keys are folded to lower case unless
/// folding is off. Duplicate keys: the first entry wins, with a warning.
/// </summary>
public sealed class TextHashTable : ILookupTable
{
    private readonly Dictionary<string, string> _entries;
    private readonly List<string> _order;
    private readonly TableOptions _options;

    private TextHashTable(string type, string name, Dictionary<string, string> entries, List<string> order, TableOptions options)
    {
        Type = type;
        Name = type + ":" + name;
        _entries = entries;
        _order = order;
        _options = options;
    }

    public string Name { get; }

    public string Type { get; }

    public bool FixedKeys => true;

    /// <summary>Reads a postmap(1)-format source file. A missing file is a <see cref="TableOpenException"/>.</summary>
    public static TextHashTable Open(string path, TableOptions options)
    {
        TextReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableOpenException($"open database {path}: {Errors.Describe(e)}");
        }
        using (reader)
            return Load("texthash", path, reader, options);
    }

    internal static TextHashTable Load(string type, string path, TextReader reader, TableOptions options)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var line in SourceLines.Read(reader))
        {
            if (!SourceLines.SplitKeyValue(line.Text, out var key, out var value))
            {
                options.Warn($"{path}, line {line.Number}: expected format: key whitespace value -- ignoring this line");
                continue;
            }
            var k = options.Fold(key, LookupFlags.None);
            if (!entries.TryAdd(k, value))
            {
                options.Warn($"{path}, line {line.Number}: duplicate entry: \"{key}\"");
                continue;
            }
            order.Add(k);
        }
        return new TextHashTable(type, path, entries, order, options);
    }

    /// <summary>A table from pairs already parsed (inline:).</summary>
    internal static TextHashTable FromPairs(string type, string name, IEnumerable<KeyValuePair<string, string>> pairs, TableOptions options)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (key, value) in pairs)
        {
            var k = options.Fold(key, LookupFlags.None);
            if (entries.TryAdd(k, value))
                order.Add(k);
        }
        return new TextHashTable(type, name, entries, order, options);
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None) =>
        _entries.TryGetValue(_options.Fold(key, flags), out var v) ? v : null;

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        _order.Select(k => new KeyValuePair<string, string>(k, _entries[k]));
}

/// <summary>Postfix-style descriptions of I/O errors ("No such file or directory").</summary>
internal static class Errors
{
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
