using Posthorn.Core.Config;

namespace Posthorn.Commands.Postconf;

/// <summary>
/// The parameter names postconf knows in one run, as Postfix's postconf builds them: the
/// built-in ones (the registry), per-service ones from master.cf (ServiceParameters), and
/// user-defined ones: names that appear as $name in a main.cf or master.cf value (or in
/// smtpd_restriction_classes) and have a name=value of their own. Also finds the main.cf and
/// master.cf -o settings that nothing uses, for the "unused parameter" warnings, and the $names
/// that have no value anywhere ("undefined parameter").
/// </summary>
internal sealed class PostconfParameters
{
    /// <summary>Parameters whose value is not $name-expanded (Postfix's "raw" parameters).</summary>
    private static readonly HashSet<string> Raw = new(StringComparer.Ordinal)
    {
        "command_execution_directory", "default_rbl_reply", "forward_path", "luser_relay", "mailbox_command",
        "postscreen_expansion_filter", "postscreen_reject_footer", "smtpd_expansion_filter", "smtpd_reject_footer",
    };

    private static readonly string[] SqlLegacy = ["domain", "table", "select_field", "where_field", "additional_conditions", "expansion_limit"];

    /// <summary>
    /// Legacy database clients: "type:name" in a parameter value (name not a file) makes
    /// name_SUFFIX main.cf settings valid, as ldap_table(5), mysql_table(5), pgsql_table(5),
    /// sqlite_table(5), memcache_table(5) and mongodb_table(5) describe.
    /// </summary>
    private static readonly Dictionary<string, string[]> DbmsSuffixes = new(StringComparer.Ordinal)
    {
        ["ldap"] =
        [
            "domain", "expansion_limit", "bind", "bind_dn", "bind_pw", "cache", "cache_expiry", "cache_size", "debuglevel",
            "dereference", "leaf_result_attribute", "query_filter", "result_attribute", "result_filter", "result_format",
            "sasl_authz_id", "sasl_mechs", "sasl_minssf", "sasl_realm", "scope", "search_base", "server_host", "server_port",
            "size_limit", "special_result_attribute", "start_tls", "terminal_result_attribute", "timeout", "tls_ca_cert_dir",
            "tls_ca_cert_file", "tls_cert", "tls_cipher_suite", "tls_key", "tls_random_file", "tls_require_cert", "version",
        ],
        ["mysql"] =
        [
            .. SqlLegacy, "charset", "dbname", "hosts", "idle_interval", "option_file", "option_group", "password", "query",
            "require_result_set", "result_format", "retry_interval", "tls_CAfile", "tls_CApath", "tls_cert_file", "tls_ciphers",
            "tls_key_file", "tls_verify_cert", "user",
        ],
        ["pgsql"] =
        [
            .. SqlLegacy, "dbname", "encoding", "hosts", "idle_interval", "password", "query", "result_format", "retry_interval",
            "select_function", "user",
        ],
        ["sqlite"] = [.. SqlLegacy, "dbpath", "query", "result_format"],
        ["memcache"] =
        [
            "domain", "memcache", "backup", "key_digest", "key_format", "ttl", "timeout", "flags", "max_try", "line_size_limit",
            "data_size_limit", "retry_pause",
        ],
        ["mongodb"] =
        [
            "domain", "collection", "dbname", "expansion_limit", "projection", "query_filter", "result_attribute",
            "result_format", "uri",
        ],
    };

    private readonly Dictionary<string, string> _service = new(StringComparer.Ordinal);
    private readonly HashSet<string> _user = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dbms = new(StringComparer.Ordinal);
    private readonly Dictionary<MasterService, HashSet<string>> _localValid = [];

    public PostconfParameters(MainConfig config, MasterCfFile? master, bool defaultsOnly, Action<string> warn)
    {
        Config = config;
        Master = master;
        if (master is not null)
        {
            foreach (var s in master.Services)
            {
                foreach (var (name, def) in ServiceParameters.For(s))
                {
                    if (!ParameterRegistry.TryGet(name, out _))
                        _service.TryAdd(name, def);
                }
            }
        }
        if (!defaultsOnly)
            RegisterUserParameters(warn);
    }

    public MainConfig Config { get; }

    /// <summary>True for parameters whose value postconf never $name-expands.</summary>
    public static bool IsRaw(string name) => Raw.Contains(name);

    public MasterCfFile? Master { get; }

    /// <summary>True when postconf shows the name: built-in, per-service or user-defined.</summary>
    public bool IsKnown(string name) =>
        ParameterRegistry.TryGet(name, out _) || _service.ContainsKey(name) || _user.Contains(name)
        || _dbms.Contains(name) && Config.IsSet(name);

    /// <summary>Every known name, sorted.</summary>
    public IEnumerable<string> Names(bool includeUser) =>
        ParameterRegistry.All.Select(p => p.Name).Concat(_service.Keys)
            .Concat(includeUser ? _user.Concat(_dbms.Where(Config.IsSet)) : [])
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>The default as postconf -d shows it (unexpanded).</summary>
    public string? Default(string name)
    {
        if (ParameterRegistry.TryGet(name, out var def))
            return def.Compute is not null ? def.Compute(Config) : def.Default;
        return _service.TryGetValue(name, out var s) ? s : null;
    }

    /// <summary>main.cf settings (with -o overrides) that no known name, per-service or user-defined, covers.</summary>
    public IEnumerable<KeyValuePair<string, string>> UnusedMain()
    {
        foreach (var e in Config.Defined)
        {
            if (Config.Overrides.ContainsKey(e.Name))
                continue;
            if (!IsUsed(e.Name))
                yield return new(e.Name, e.Value);
        }
        foreach (var (name, value) in Config.Overrides)
        {
            if (!IsUsed(name))
                yield return new(name, value);
        }
    }

    /// <summary>master.cf -o settings that are neither known names nor used within their service.</summary>
    public IEnumerable<KeyValuePair<string, string>> UnusedMaster()
    {
        if (Master is null)
            yield break;
        foreach (var s in Master.Services)
        {
            var local = _localValid.GetValueOrDefault(s);
            foreach (var (name, value) in s.Overrides)
            {
                if (!IsUsed(name) && (local is null || !local.Contains(name)))
                    yield return new(name, value);
            }
        }
    }

    private bool IsUsed(string name) => IsKnown(name) || _dbms.Contains(name);

    private void RegisterUserParameters(Action<string> warn)
    {
        var mainDefined = new HashSet<string>(Config.Defined.Select(e => e.Name).Concat(Config.Overrides.Keys), StringComparer.Ordinal);
        var dir = Config.ConfigDirectory;

        void Flag(string name, MasterService? scope, bool warnUndefined = true)
        {
            bool supplied = false;
            if (scope is not null && scope.Overrides.Any(o => o.Key == name))
            {
                supplied = true;
                Local(scope).Add(name);
            }
            else if (mainDefined.Contains(name))
            {
                supplied = true;
                if (!IsKnown(name))
                    _user.Add(name);
            }
            if (scope is null && Master is not null)
            {
                foreach (var s in Master.Services.Where(s => s.Overrides.Any(o => o.Key == name)))
                {
                    supplied = true;
                    Local(s).Add(name);
                }
            }
            if (!supplied && warnUndefined && !IsKnown(name))
                warn($"{dir}/{(scope is null ? "main.cf" : "master.cf")}: undefined parameter: {name}");
        }

        void ScanValue(string name, string value, MasterService? scope)
        {
            if (Raw.Contains(name))
                return;
            ParameterScanner.Scan(value, n => Flag(n, scope));
            if (IsKnown(name))
                NoteDbms(value);
        }

        foreach (var cls in MainConfig.SplitList(SafeExpand(Config.GetRaw("smtpd_restriction_classes") ?? "")))
            Flag(cls, null);
        foreach (var e in Config.Defined)
            ScanValue(e.Name, Config.GetRaw(e.Name) ?? "", null);
        foreach (var (name, value) in Config.Overrides)
        {
            if (!Config.Defined.Any(e => e.Name == name))
                ScanValue(name, value, null);
        }
        foreach (var name in ParameterRegistry.All.Select(p => p.Name).Where(n => !mainDefined.Contains(n) && !Raw.Contains(n)))
        {
            if (ParameterRegistry.TryGet(name, out var def) && def.Compute is null)
                ParameterScanner.Scan(def.Default, n => Flag(n, null, warnUndefined: false));
        }
        if (Master is null)
            return;
        foreach (var s in Master.Services)
        {
            foreach (var (name, value) in s.Overrides)
                ScanValue(name, value, s);
        }
    }

    private HashSet<string> Local(MasterService s)
    {
        if (!_localValid.TryGetValue(s, out var set))
            _localValid[s] = set = new HashSet<string>(StringComparer.Ordinal);
        return set;
    }

    private void NoteDbms(string value)
    {
        foreach (var item in MainConfig.SplitList(value))
        {
            var word = item.StartsWith("proxy:", StringComparison.Ordinal) ? item[6..] : item;
            int colon = word.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                continue;
            var type = word[..colon];
            var rest = word[(colon + 1)..];
            if (DbmsSuffixes.TryGetValue(type, out var suffixes) && rest.Length > 0 && !rest.Contains('/', StringComparison.Ordinal))
            {
                foreach (var suffix in suffixes)
                    _dbms.Add(rest + "_" + suffix);
            }
        }
    }

    private string SafeExpand(string text)
    {
        try
        {
            return Config.Expand(text);
        }
        catch (ConfigException)
        {
            return text;
        }
    }
}

/// <summary>Finds the $names a value refers to, in every branch of its conditionals (Postfix's scan mode).</summary>
internal static class ParameterScanner
{
    public static void Scan(string value, Action<string> onName)
    {
        int i = 0;
        while (i < value.Length)
        {
            if (value[i] != '$')
            {
                i++;
                continue;
            }
            if (i + 1 < value.Length && value[i + 1] == '$')
            {
                i += 2;
                continue;
            }
            i++;
            if (i < value.Length && (value[i] == '{' || value[i] == '('))
            {
                char open = value[i], close = open == '{' ? '}' : ')';
                int level = 1, j = i + 1;
                for (; j < value.Length && level > 0; j++)
                {
                    if (value[j] == open)
                        level++;
                    else if (value[j] == close)
                        level--;
                }
                if (level > 0)
                    return;
                ScanExpression(value[(i + 1)..(j - 1)], onName);
                i = j;
            }
            else
            {
                int j = i;
                while (j < value.Length && (char.IsAsciiLetterOrDigit(value[j]) || value[j] == '_'))
                    j++;
                if (j > i)
                    onName(value[i..j]);
                i = j;
            }
        }
    }

    /// <summary>The inside of ${...}: a name with optional ?/: parts, or a relational expression.</summary>
    private static void ScanExpression(string expr, Action<string> onName)
    {
        var t = expr.TrimStart();
        if (t.StartsWith('{'))
        {
            foreach (var part in BracedParts(t))
                Scan(part, onName);
            return;
        }
        int k = 0;
        while (k < t.Length && (char.IsAsciiLetterOrDigit(t[k]) || t[k] == '_'))
            k++;
        if (k > 0)
            onName(t[..k]);
        var rest = t[k..].TrimStart();
        if (rest.Length > 0 && (rest[0] == '?' || rest[0] == ':'))
            Scan(rest[1..], onName);
    }

    private static IEnumerable<string> BracedParts(string t)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (t[i] == '{' && depth++ == 0)
                start = i + 1;
            else if (t[i] == '}' && --depth == 0)
                yield return t[start..i];
        }
    }
}
