using Microsoft.Data.Sqlite;

namespace Posthorn.Core.Maps;

/// <summary>
/// <c>sqlite:/path/to/file.cf</c> tables (sqlite_table(5)) on Microsoft.Data.Sqlite. The
/// configuration file names <c>dbpath</c>, <c>query</c> (or the legacy <c>table</c>,
/// <c>select_field</c>, <c>where_field</c>, <c>additional_conditions</c>),
/// <c>result_format</c>, <c>domain</c> and <c>expansion_limit</c>. Keys are folded to lower
/// case; every column of every row becomes one comma-separated result element. The database
/// is opened read-only; a query error is a temporary lookup failure.
/// </summary>
public sealed class SqliteTable : ILookupTable
{
    private readonly string _connectionString;
    private readonly string _query;
    private readonly string _resultFormat;
    private readonly HashSet<string>? _domains;
    private readonly int _expansionLimit;
    private readonly TableOptions _options;
    private readonly object _lock = new();
    private SqliteConnection? _connection;

    private SqliteTable(string path, DbConfigFile cf, TableOptions options)
    {
        Name = "sqlite:" + path;
        _options = options;
        var dbpath = cf.Get("dbpath") ?? throw new TableOpenException($"{path}: missing \"dbpath\" parameter");
        if (!File.Exists(dbpath))
            throw new TableOpenException($"open database {dbpath}: No such file or directory");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = dbpath, Mode = SqliteOpenMode.ReadOnly }.ToString();
        var query = cf.Get("query");
        if (query is null)
        {
            var table = cf.Get("table");
            var select = cf.Get("select_field");
            var where = cf.Get("where_field");
            if (table is null || select is null || where is null)
                throw new TableOpenException($"{path}: missing \"query\" parameter");
            query = $"SELECT {select} FROM {table} WHERE {where} = '%s' {cf.Get("additional_conditions") ?? ""}".TrimEnd();
        }
        _query = query;
        _resultFormat = cf.Get("result_format") ?? "%s";
        var domain = cf.Get("domain");
        if (!string.IsNullOrWhiteSpace(domain))
            _domains = new HashSet<string>(Config.MainConfig.SplitList(domain).Select(d => d.ToLowerInvariant()), StringComparer.Ordinal);
        _expansionLimit = int.TryParse(cf.Get("expansion_limit"), out var l) ? l : 0;
    }

    public string Name { get; }

    public string Type => "sqlite";

    public bool FixedKeys => true;

    public static SqliteTable Open(string path, TableOptions options) => new(path, DbConfigFile.Load(path, options.Warn), options);

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        var k = _options.Fold(key, flags);
        if (_domains is not null)
        {
            int at = k.LastIndexOf('@');
            if (at <= 0 || !_domains.Contains(k[(at + 1)..]))
                return null;
        }
        var sql = DbExpansion.Expand(_query, k, null, DbExpansion.QuoteSql);
        if (sql is null)
            return null;
        var results = new List<string>();
        lock (_lock)
        {
            try
            {
                _connection ??= OpenConnection();
                using var cmd = _connection.CreateCommand();
                cmd.CommandText = sql;
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                {
                    for (int c = 0; c < reader.FieldCount; c++)
                    {
                        if (reader.IsDBNull(c))
                            continue;
                        var value = Convert.ToString(reader.GetValue(c), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                        if (value.Length == 0)
                            continue;
                        var formatted = DbExpansion.Expand(_resultFormat, value, k, s => s);
                        if (formatted is null)
                            continue;
                        results.Add(formatted);
                        if (_expansionLimit > 0 && results.Count > _expansionLimit)
                            throw new TableLookupException($"{Name}: Expansion limit exceeded for key: '{key}'");
                    }
                }
            }
            catch (SqliteException e)
            {
                _connection?.Dispose();
                _connection = null;
                throw new TableLookupException($"{Name}: query failed: {e.Message}", e);
            }
        }
        return results.Count == 0 ? null : string.Join(',', results);
    }

    private SqliteConnection OpenConnection()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");
}
