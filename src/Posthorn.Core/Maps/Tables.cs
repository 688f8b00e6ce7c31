using System.Collections.Concurrent;
using Posthorn.Core.Config;

namespace Posthorn.Core.Maps;

/// <summary>
/// The one place services open lookup tables: <c>Tables.Open("hash:/etc/postfix/virtual",
/// config)</c>. Tables are cached by name (and configuration directory), so every consumer of
/// the same table shares one copy; file-based tables are reopened when postmap has replaced
/// their file (see <see cref="FreshTable"/>). <see cref="OpenList"/> opens a main.cf list
/// such as <c>alias_maps</c>.
/// </summary>
public static class Tables
{
    private static readonly ConcurrentDictionary<(string Name, string ConfigDir), ILookupTable> Cache = new();

    /// <summary>How often a cached table checks its file for a rebuild (at most once per interval; zero checks on every lookup).</summary>
    public static TimeSpan FreshnessCheckInterval
    {
        get => TimeSpan.FromMilliseconds(FreshnessCheckMs);
        set => FreshnessCheckMs = (long)value.TotalMilliseconds;
    }

    internal static long FreshnessCheckMs { get; private set; } = 1000;

    /// <summary>Opens (or returns the cached) table. Load warnings go to <paramref name="warn"/>, or to stderr.</summary>
    public static ILookupTable Open(string typeAndName, MainConfig config, Action<string>? warn = null)
    {
        var key = (typeAndName, config.ConfigDirectory);
        if (Cache.TryGetValue(key, out var t))
            return t;
        var options = new TableOptions(config, warn ?? (m => Console.Error.WriteLine("posthorn: warning: " + m)));
        var opened = FreshTable.Wrap(typeAndName, options);
        return Cache.GetOrAdd(key, opened);
    }

    /// <summary>Opens (or returns the cached) table; load warnings go to the mail log as <paramref name="service"/>'s warnings.</summary>
    public static ILookupTable Open(string typeAndName, MainConfig config, Logging.MailLog log, string service) =>
        Open(typeAndName, config, m => log.Warning(service, m));

    /// <summary>The tables of a list-valued parameter (e.g. <c>alias_maps</c>), in order; braces keep inline tables whole.</summary>
    public static IReadOnlyList<ILookupTable> OpenList(string parameter, MainConfig config, Action<string>? warn = null) =>
        BraceList.Split(config.Get(parameter)).Select(n => Open(n, config, warn)).ToList();

    /// <summary>Forgets every cached table (tests, reload).</summary>
    public static void Clear() => Cache.Clear();
}

/// <summary>
/// Wraps a file-based table and reopens it when its file's modification time or size
/// changes, so a running Posthorn sees a table rebuilt by postmap without a restart (Postfix
/// daemons notice the same change and restart). Postmap builds into a temporary file and
/// renames it into place, so a half-written table is never read. If the reopen fails, the
/// old table keeps answering and a warning is logged.
/// </summary>
public sealed class FreshTable : ILookupTable
{
    private readonly string _typeAndName;
    private readonly TableOptions _options;
    private readonly string _file;
    private volatile State _state;

    private sealed record State(ILookupTable Table, DateTime Mtime, long Length, long CheckedAt);

    private FreshTable(string typeAndName, TableOptions options, string file, ILookupTable table)
    {
        _typeAndName = typeAndName;
        _options = options;
        _file = file;
        var (m, l) = Stamp(file);
        _state = new State(table, m, l, Environment.TickCount64);
    }

    /// <summary>Opens the table; wraps it when it is backed by one file.</summary>
    public static ILookupTable Wrap(string typeAndName, TableOptions options)
    {
        var table = TableTypes.OpenUncached(typeAndName, options);
        var file = BackingFile(typeAndName);
        return file is null ? table : new FreshTable(typeAndName, options, file, table);
    }

    /// <summary>The file whose change means a rebuild, or null for tables without one.</summary>
    public static string? BackingFile(string typeAndName)
    {
        var (type, name) = TableTypes.Resolve(typeAndName);
        return type.Name switch
        {
            "proxy" => BackingFile(name),
            "texthash" or "regexp" or "pcre" or "cidr" or "sqlite" => name,
            _ when type.Suffix is not null => name + type.Suffix,
            _ => null,
        };
    }

    public string Name => _state.Table.Name;

    public string Type => _state.Table.Type;

    public bool FixedKeys => _state.Table.FixedKeys;

    /// <summary>The table currently answering (after any reopen).</summary>
    public ILookupTable Current
    {
        get
        {
            Refresh();
            return _state.Table;
        }
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        Refresh();
        return _state.Table.Lookup(key, flags);
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() => Current.Sequence();

    /// <summary>Reopens the table if its file changed since it was opened.</summary>
    public void Refresh()
    {
        var s = _state;
        long now = Environment.TickCount64;
        if (now - s.CheckedAt < Tables.FreshnessCheckMs)
            return;
        var (m, l) = Stamp(_file);
        if (m == s.Mtime && l == s.Length)
        {
            _state = s with { CheckedAt = now };
            return;
        }
        try
        {
            var table = TableTypes.OpenUncached(_typeAndName, _options);
            _state = new State(table, m, l, now);
        }
        catch (TableOpenException e)
        {
            _options.Warn($"{_typeAndName}: reopen after change failed, using the old table: {e.Message}");
            _state = s with { CheckedAt = now };
        }
    }

    private static (DateTime, long) Stamp(string file)
    {
        try
        {
            var fi = new FileInfo(file);
            return fi.Exists ? (fi.LastWriteTimeUtc, fi.Length) : (DateTime.MinValue, -1);
        }
        catch (IOException)
        {
            return (DateTime.MinValue, -1);
        }
    }
}
