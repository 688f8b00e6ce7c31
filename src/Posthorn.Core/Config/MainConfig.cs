using System.Globalization;

namespace Posthorn.Core.Config;

/// <summary>
/// The effective main.cf of one configuration directory, as one service sees it: the file's
/// definitions, then master.cf <c>-o</c> overrides on top, then registered defaults beneath.
/// Values are expanded lazily on <see cref="Get"/> (<c>$name</c>, <c>${name}</c>,
/// <c>$(name)</c> and the conditional forms of postconf(5)), with loop detection.
/// Immutable: <see cref="WithOverrides"/> returns a new view.
/// </summary>
public sealed class MainConfig
{
    private readonly Dictionary<string, MainCfEntry> _file;
    private readonly Dictionary<string, string> _overrides;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _expanded = new(StringComparer.Ordinal);

    private MainConfig(string configDirectory, MainCfFile file, Dictionary<string, string> overrides)
    {
        ConfigDirectory = configDirectory;
        File = file;
        _file = file.ToDictionary();
        _overrides = overrides;
    }

    public string ConfigDirectory { get; }

    /// <summary>True when loaded from a directory: config_directory then defaults to it, as in Postfix.</summary>
    public bool FromDirectory { get; private init; }

    /// <summary>The parsed main.cf this view was built from.</summary>
    public MainCfFile File { get; }

    public string MainCfPath => Path.Combine(ConfigDirectory, "main.cf");

    /// <summary>Loads DIR/main.cf. A missing directory is a one-line <see cref="ConfigException"/>.</summary>
    public static MainConfig Load(string configDirectory)
    {
        if (!Directory.Exists(configDirectory))
            throw new ConfigException($"open {configDirectory}/main.cf: No such file or directory");
        var file = MainCfFile.Load(Path.Combine(configDirectory, "main.cf"));
        return new MainConfig(configDirectory, file, new Dictionary<string, string>(StringComparer.Ordinal)) { FromDirectory = true };
    }

    /// <summary>A configuration from text, for tests and tools.</summary>
    public static MainConfig FromText(string text, string configDirectory = "/etc/posthorn") =>
        new(configDirectory, MainCfFile.Parse(Path.Combine(configDirectory, "main.cf"), text),
            new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>A view with master.cf <c>-o name=value</c> overrides applied on top.</summary>
    public MainConfig WithOverrides(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var merged = new Dictionary<string, string>(_overrides, StringComparer.Ordinal);
        foreach (var (k, v) in overrides)
            merged[k] = v;
        return new MainConfig(ConfigDirectory, File, merged) { FromDirectory = FromDirectory };
    }

    /// <summary>
    /// Parameters a program sets for itself (process_name, process_id, service_name): a main.cf
    /// assignment is ignored, as Postfix ignores it ("read-only parameter assignment").
    /// </summary>
    public static readonly IReadOnlySet<string> ReadOnly = new HashSet<string>(StringComparer.Ordinal) { "process_name", "process_id", "service_name" };

    /// <summary>True when main.cf or an override defines the name.</summary>
    public bool IsSet(string name) => _overrides.ContainsKey(name) || _file.ContainsKey(name) && !ReadOnly.Contains(name);

    /// <summary>The value as written (override, then main.cf, then the registered default), unexpanded; null when unknown.</summary>
    public string? GetRaw(string name)
    {
        if (_overrides.TryGetValue(name, out var o))
            return o;
        if (_file.TryGetValue(name, out var e) && !ReadOnly.Contains(name))
            return e.Value;
        if (name == "config_directory" && FromDirectory)
            return ConfigDirectory;
        if (ParameterRegistry.TryGet(name, out var def))
            return def.Compute is not null ? def.Compute(this) : def.Default;
        if (ServiceParameters.TryGetDefault(name, out var serviceDefault))
            return serviceDefault;
        return null;
    }

    /// <summary>The fully expanded value; the empty string for an unknown name.</summary>
    public string Get(string name)
    {
        if (_expanded.TryGetValue(name, out var cached))
            return cached;
        var active = s_active ??= [];
        if (!active.Add((this, name)))
            throw new ConfigException($"parameter {name}: recursive definition: its value depends on ${name}");
        try
        {
            return _expanded.GetOrAdd(name, n => ParameterExpander.Expand(this, GetRaw(n) ?? "", n));
        }
        finally
        {
            active.Remove((this, name));
        }
    }

    /// <summary>The Get calls under way on this thread (computed defaults call Get), to catch loops through them.</summary>
    [ThreadStatic]
    private static HashSet<(MainConfig, string)>? s_active;

    /// <summary>Expands an arbitrary string against this configuration.</summary>
    public string Expand(string text) => ParameterExpander.Expand(this, text, null);

    /// <summary>
    /// Expands <paramref name="text"/>, the value of <paramref name="owner"/> (null for free text),
    /// telling <paramref name="undefined"/> about each name that has no value, as postconf warns.
    /// </summary>
    public string Expand(string text, string? owner, Action<string>? undefined) =>
        ParameterExpander.Expand(this, text, owner, undefined);

    /// <summary>The names main.cf defines, in file order, each once (its last definition).</summary>
    public IEnumerable<MainCfEntry> Defined => File.Entries.Where(e => ReferenceEquals(_file[e.Name], e) && !ReadOnly.Contains(e.Name));

    /// <summary>The -o style overrides applied to this view.</summary>
    public IReadOnlyDictionary<string, string> Overrides => _overrides;

    /// <summary>The value split on commas and whitespace, empty items dropped.</summary>
    public IReadOnlyList<string> GetList(string name) => SplitList(Get(name));

    /// <summary>
    /// Splits a list on commas and whitespace as Postfix's mystrtokq does: text inside braces
    /// stays in its item, so <c>inline:{ a=1, b=2 }</c> is one item.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string value)
    {
        if (value.IndexOf('{', StringComparison.Ordinal) < 0)
            return value.Split([',', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var items = new List<string>();
        int depth = 0, start = -1;
        for (int i = 0; i <= value.Length; i++)
        {
            char c = i < value.Length ? value[i] : ',';
            bool separator = depth == 0 && (c == ',' || char.IsWhiteSpace(c));
            if (separator)
            {
                if (start >= 0)
                    items.Add(value[start..i]);
                start = -1;
                continue;
            }
            if (start < 0)
                start = i;
            if (c == '{')
                depth++;
            else if (c == '}' && depth > 0)
                depth--;
        }
        if (start >= 0)
            items.Add(value[start..]);
        return items;
    }

    /// <summary>A boolean: "yes" or "no" in any case, as Postfix accepts; anything else is Postfix's "bad boolean configuration".</summary>
    public bool GetBool(string name)
    {
        var v = Get(name).Trim();
        if (v.Equals("yes", StringComparison.OrdinalIgnoreCase))
            return true;
        if (v.Equals("no", StringComparison.OrdinalIgnoreCase) || v.Length == 0 && !IsSet(name))
            return false;
        throw Bad(name, $"bad boolean configuration: {name} = {v}");
    }

    public int GetInt(string name) => checked((int)GetLong(name));

    public long GetLong(string name)
    {
        var v = Get(name).Trim();
        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            return n;
        throw Bad(name, $"bad numerical configuration: {name} = {v}");
    }

    /// <summary>A time value: a number with an optional unit s, m, h, d or w; a bare number uses the parameter's default unit.</summary>
    public TimeSpan GetTime(string name)
    {
        var v = Get(name).Trim();
        char unit = ParameterRegistry.TryGet(name, out var def) ? def.TimeUnit : 's';
        if (TimeValue.TryParse(v, unit, out var t))
            return t;
        throw Bad(name, $"invalid {name} parameter value: \"{v}\"");
    }

    /// <summary>A bad value: with main.cf's file and line when main.cf set it, else Postfix's plain message.</summary>
    private ConfigException Bad(string name, string message) =>
        WhereLine(name) > 0 ? new ConfigException(Where(name), WhereLine(name), message) : new ConfigException(message);

    private string Where(string name) => _overrides.ContainsKey(name) ? Path.Combine(ConfigDirectory, "master.cf") : MainCfPath;

    private int WhereLine(string name) => _file.TryGetValue(name, out var e) && !_overrides.ContainsKey(name) ? e.Line : 0;
}

/// <summary>Postfix time values: a decimal number followed by an optional unit letter.</summary>
public static class TimeValue
{
    public static bool TryParse(string text, char defaultUnit, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text.Length == 0)
            return false;
        char unit = defaultUnit;
        var digits = text;
        if (char.IsLetter(text[^1]))
        {
            unit = char.ToLowerInvariant(text[^1]);
            digits = text[..^1];
        }
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        long seconds = unit switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => -1,
        };
        if (seconds < 0)
            return false;
        value = TimeSpan.FromSeconds(n * seconds);
        return true;
    }
}
