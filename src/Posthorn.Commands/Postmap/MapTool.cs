using System.Text;
using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Commands.Postmap;

/// <summary>
/// The work of postmap(1) and postalias(1): build an indexed table from its source file
/// (or incrementally from stdin with -i), query (-q key, -q - from stdin, with -h/-b
/// message keys), delete (-d), and list (-s). Exit status as Postfix's: 0 on success and
/// when a query or delete found something, 1 when nothing was found or on a fatal error.
/// </summary>
internal sealed class MapTool
{
    private readonly CommandContext _ctx;
    private readonly MapToolOptions _opts;
    private readonly MainConfig _config;
    private readonly TableOptions _tableOptions;

    private MapTool(CommandContext ctx, MapToolOptions opts, MainConfig config)
    {
        _ctx = ctx;
        _opts = opts;
        _config = config;
        _tableOptions = new TableOptions(config, ctx.Warning, FoldCase: !opts.NoFold);
    }

    public static int Run(CommandContext ctx, bool aliases)
    {
        MapToolOptions opts;
        try
        {
            opts = MapToolOptions.Parse(ctx.Args, aliases);
        }
        catch (UsageException e)
        {
            return ctx.Fatal(e.Message);
        }
        MainConfig config;
        try
        {
            config = MainConfig.Load(ConfigDirectory.Resolve(opts.ConfigDir));
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        var tool = new MapTool(ctx, opts, config);
        try
        {
            return tool.Run();
        }
        catch (TableOpenException e)
        {
            return ctx.Fatal(e.Message);
        }
        catch (TableLookupException e)
        {
            return ctx.Fatal(e.Message);
        }
        catch (NotSupportedException e)
        {
            return ctx.Fatal(e.Message);
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        catch (InvalidDataException e)
        {
            return ctx.Fatal($"corrupt table: {e.Message}");
        }
        catch (FormatException e)
        {
            return ctx.Fatal($"malformed BASE64 value: {e.Message}");
        }
        catch (IOException e)
        {
            return ctx.Fatal(e.Message);
        }
    }

    private int Run()
    {
        var maps = _opts.Maps.Select(WithType).ToList();
        if (_opts.QueryKey is { } q)
            return Query(q, maps);
        if (_opts.DeleteKey is { } d)
            return Delete(d, maps);
        if (_opts.Sequence)
            return ListAll(maps);
        foreach (var m in maps)
            Build(m);
        return ExitCodes.Ok;
    }

    /// <summary>Adds default_database_type to a bare file name.</summary>
    private string WithType(string operand) =>
        operand.Contains(':', StringComparison.Ordinal) ? operand : _config.Get("default_database_type") + ":" + operand;

    private string Separator => _opts.Aliases ? ":\t" : "\t";

    private IEnumerable<string> Keys(string key)
    {
        if (key != "-")
            return [key];
        if (_opts.HeaderKeys || _opts.BodyKeys)
            return MessageKeys.Read(_ctx.Stdin, _opts.HeaderKeys, _opts.BodyKeys);
        return ReadLines(_ctx.Stdin);
    }

    private static IEnumerable<string> ReadLines(TextReader r)
    {
        string? line;
        while ((line = r.ReadLine()) is not null)
            yield return line;
    }

    private string Decode(string value) =>
        _opts.Base64Files ? Encoding.UTF8.GetString(Convert.FromBase64String(value)) : value;

    private int Query(string key, List<string> maps)
    {
        var tables = maps.Select(m => TableTypes.OpenUncached(m, _tableOptions)).ToList();
        bool found = false;
        foreach (var k in Keys(key))
        {
            foreach (var t in tables)
            {
                var v = t.Lookup(k);
                if (v is null)
                    continue;
                found = true;
                if (key == "-")
                {
                    _ctx.Stdout.Write(k);
                    _ctx.Stdout.Write(Separator);
                }
                _ctx.Stdout.WriteLine(Decode(v));
                break;
            }
        }
        return found ? ExitCodes.Ok : ExitCodes.Fatal;
    }

    private int ListAll(List<string> maps)
    {
        foreach (var m in maps)
        {
            var t = TableTypes.OpenUncached(m, _tableOptions);
            foreach (var (k, v) in t.Sequence())
                _ctx.Stdout.WriteLine(k + Separator + Decode(v));
        }
        return ExitCodes.Ok;
    }

    private int Delete(string key, List<string> maps)
    {
        var keys = Keys(key).Select(k => _tableOptions.Fold(k, LookupFlags.None)).ToList();
        bool found = false;
        foreach (var m in maps)
        {
            var (type, path) = CreatableType(m);
            var entries = Existing(type, path, mustExist: true);
            bool changed = false;
            foreach (var k in keys)
                changed |= entries.Remove(k);
            if (changed)
            {
                TableBuilder.Write(type.Name, path, entries.ToList(), ModeFor(path));
                found = true;
            }
        }
        return found ? ExitCodes.Ok : ExitCodes.Fatal;
    }

    private static (TableType Type, string Path) CreatableType(string map)
    {
        var (type, path) = TableTypes.Resolve(map);
        if (type.Name == "proxy")
            throw new TableOpenException("can't create maps via the proxy service");
        if (!type.Creatable)
            throw new TableOpenException($"unsupported dictionary type: {type.Name} does not support bulk-mode creation.");
        return (type, path);
    }

    private OrderedEntries Existing(TableType type, string path, bool mustExist)
    {
        var entries = new OrderedEntries();
        if (!mustExist && !File.Exists(path + type.Suffix))
            return entries;
        foreach (var (k, v) in type.Open(path, _tableOptions).Sequence())
            entries.Set(k, v);
        return entries;
    }

    private void Build(string map)
    {
        var (type, path) = CreatableType(map);
        string dictName = type.Name == "cdb" ? path : path + type.Suffix;
        OrderedEntries entries;
        TextReader source;
        string sourceName;
        if (_opts.Incremental)
        {
            entries = Existing(type, path, mustExist: false);
            source = _ctx.Stdin;
            sourceName = "stdin";
        }
        else
        {
            entries = new OrderedEntries();
            try
            {
                source = new StreamReader(path, Encoding.UTF8, true, 1 << 16);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TableOpenException($"open {path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : e.Message)}");
            }
            sourceName = path;
        }
        try
        {
            foreach (var (key, value) in Parse(source, sourceName))
            {
                var k = _tableOptions.Fold(key, LookupFlags.None);
                var v = _opts.Base64Files ? FilesAsBase64(value, sourceName) : value;
                if (entries.Contains(k))
                {
                    if (_opts.Replace)
                        entries.Set(k, v);
                    else if (!_opts.IgnoreDuplicates)
                        _ctx.Warning($"{dictName}: duplicate entry: \"{k}\"");
                    continue;
                }
                entries.Set(k, v);
            }
        }
        finally
        {
            if (!_opts.Incremental)
                source.Dispose();
        }
        if (_opts.Aliases && !_opts.Incremental)
        {
            // What Postfix's postalias adds for NIS and sendmail compatibility.
            entries.Set("YP_LAST_MODIFIED", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            entries.Set("YP_MASTER_NAME", _config.Get("myhostname"));
            entries.Set("@", "@");
        }
        TableBuilder.Write(type.Name, path, entries.ToList(), ModeFor(path));
    }

    private IEnumerable<KeyValuePair<string, string>> Parse(TextReader source, string sourceName)
    {
        if (_opts.Aliases)
        {
            foreach (var e in AliasesFile.Parse(source, sourceName, _ctx.Warning, foldCase: false))
                yield return new(e.Name, e.Value);
            yield break;
        }
        foreach (var line in SourceLines.Read(source))
        {
            if (!SourceLines.SplitKeyValue(line.Text, out var key, out var value))
            {
                _ctx.Warning($"{sourceName}, line {line.Number}: expected format: key whitespace value");
                continue;
            }
            yield return new(key, value);
        }
    }

    private static string FilesAsBase64(string value, string sourceName)
    {
        var sb = new StringBuilder();
        foreach (var file in MainConfig.SplitList(value))
        {
            if (sb.Length > 0)
                sb.Append('\n');
            try
            {
                sb.Append(File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TableOpenException($"{sourceName}: open {file}: No such file or directory");
            }
        }
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>The new file's mode: the source file's read permissions plus owner write, or 0644 with -p.</summary>
    private UnixFileMode? ModeFor(string source)
    {
        if (OperatingSystem.IsWindows())
            return null;
        const UnixFileMode defaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if (_opts.DefaultPermissions || !File.Exists(source))
            return defaultMode;
        var m = File.GetUnixFileMode(source);
        return (m & (UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite)) | UnixFileMode.UserRead | UnixFileMode.UserWrite;
    }

    /// <summary>Entries in first-insertion order with replace and remove, for building a table.</summary>
    private sealed class OrderedEntries
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly List<KeyValuePair<string, string>?> _items = [];

        public bool Contains(string key) => _index.ContainsKey(key);

        public void Set(string key, string value)
        {
            if (_index.TryGetValue(key, out var i))
                _items[i] = new(key, value);
            else
            {
                _index[key] = _items.Count;
                _items.Add(new(key, value));
            }
        }

        public bool Remove(string key)
        {
            if (!_index.Remove(key, out var i))
                return false;
            _items[i] = null;
            return true;
        }

        public List<KeyValuePair<string, string>> ToList() =>
            _items.Where(x => x is not null).Select(x => x!.Value).ToList();
    }
}
