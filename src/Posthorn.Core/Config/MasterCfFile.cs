namespace Posthorn.Core.Config;

/// <summary>
/// One master.cf service entry as master(5) describes it: the eight columns, with <c>-</c>
/// meaning "the default", then the command and its arguments. <c>-o name=value</c> and
/// <c>-o { name = value }</c> arguments become <see cref="Overrides"/>; the other arguments
/// (pipe's <c>flags=</c>, <c>argv=</c> ...) stay in <see cref="Arguments"/>.
/// </summary>
public sealed record MasterService(
    string Name,
    string Type,
    string Private,
    string Unprivileged,
    string Chroot,
    string Wakeup,
    string MaxProc,
    string Command,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<KeyValuePair<string, string>> Overrides,
    IReadOnlyList<string> RawArguments,
    int Line)
{
    /// <summary>The service's identity in postconf -M syntax: name/type.</summary>
    public string Id => Name + "/" + Type;

    /// <summary>Default for "private": y.</summary>
    public bool IsPrivate => Private != "n";

    /// <summary>Default for "unpriv": y.</summary>
    public bool IsUnprivileged => Unprivileged != "n";

    /// <summary>Default for "chroot": n since Postfix 3.0.</summary>
    public bool IsChroot => Chroot == "y";

    /// <summary>Wake-up interval in seconds, 0 for never; a trailing '?' only marks it "when used".</summary>
    public int WakeupSeconds => Wakeup is "-" ? 0 : int.TryParse(Wakeup.TrimEnd('?'), out var s) ? s : 0;

    /// <summary>The process limit, or null for "-" (default_process_limit).</summary>
    public int? ProcessLimit => MaxProc is "-" ? null : int.TryParse(MaxProc, out var n) ? n : null;

    /// <summary>The configuration this service sees: main.cf with its -o overrides applied.</summary>
    public MainConfig ConfigFor(MainConfig main) => Overrides.Count == 0 ? main : main.WithOverrides(Overrides);
}

/// <summary>Parses master.cf per master(5).</summary>
public sealed class MasterCfFile
{
    private static readonly string[] ServiceTypes = ["inet", "unix", "unix-dgram", "fifo", "pass"];

    private MasterCfFile(string path, IReadOnlyList<MasterService> services)
    {
        Path = path;
        Services = services;
    }

    public string Path { get; }

    public IReadOnlyList<MasterService> Services { get; }

    public static MasterCfFile Load(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException($"open {path}: No such file or directory");
        return Parse(path, File.ReadAllText(path));
    }

    public static MasterCfFile Parse(string path, string text)
    {
        var services = new List<MasterService>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, logical) in LogicalLines.Read(text))
        {
            var words = Tokenize(logical, path, line);
            if (words.Count < 8)
                throw new ConfigException(path, line, $"field count mismatch: expected at least 8 fields, found {words.Count}: \"{logical}\"");
            var type = words[1];
            if (Array.IndexOf(ServiceTypes, type) < 0)
                throw new ConfigException(path, line, $"unknown service type: \"{type}\"");
            foreach (var (col, name) in new[] { (2, "private"), (3, "unpriv"), (4, "chroot") })
            {
                if (words[col] is not ("y" or "n" or "-"))
                    throw new ConfigException(path, line, $"bad {name} field: \"{words[col]}\"");
            }
            if (words[5] != "-" && !int.TryParse(words[5].TrimEnd('?'), out _))
                throw new ConfigException(path, line, $"bad wakeup time field: \"{words[5]}\"");
            if (words[6] != "-" && !int.TryParse(words[6], out _))
                throw new ConfigException(path, line, $"bad maximum process count field: \"{words[6]}\"");
            if (!seen.Add(words[0] + "/" + type))
                throw new ConfigException(path, line, $"duplicate service name: \"{words[0]}/{type}\"");

            var rawArgs = words.Skip(8).ToList();
            var args = new List<string>();
            var overrides = new List<KeyValuePair<string, string>>();
            for (int i = 0; i < rawArgs.Count; i++)
            {
                var a = rawArgs[i];
                if (a == "-o" || a.StartsWith("-o", StringComparison.Ordinal) && a.Length > 2 && !a.StartsWith("-o{", StringComparison.Ordinal))
                {
                    string spec;
                    if (a == "-o")
                    {
                        if (i + 1 >= rawArgs.Count)
                            throw new ConfigException(path, line, "missing argument for -o");
                        spec = rawArgs[++i];
                    }
                    else
                    {
                        spec = a[2..];
                    }
                    int eq = spec.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                        throw new ConfigException(path, line, $"-o: missing '=' in \"{spec}\"");
                    overrides.Add(new(spec[..eq].Trim(), spec[(eq + 1)..].Trim()));
                }
                else
                {
                    args.Add(a);
                }
            }
            services.Add(new MasterService(words[0], type, words[2], words[3], words[4], words[5], words[6], words[7],
                args, overrides, rawArgs, line));
        }
        return new MasterCfFile(path, services);
    }

    /// <summary>
    /// Splits a logical line on whitespace; <c>{ text }</c> is one word with the braces and the
    /// whitespace just inside them removed, as master(5) describes for Postfix 3.0 and later.
    /// </summary>
    public static List<string> Tokenize(string logical, string path = "master.cf", int line = 0)
    {
        var words = new List<string>();
        int i = 0;
        while (i < logical.Length)
        {
            while (i < logical.Length && char.IsWhiteSpace(logical[i]))
                i++;
            if (i >= logical.Length)
                break;
            if (logical[i] == '{')
            {
                int depth = 0, j = i;
                for (; j < logical.Length; j++)
                {
                    if (logical[j] == '{')
                        depth++;
                    else if (logical[j] == '}' && --depth == 0)
                        break;
                }
                if (j >= logical.Length)
                    throw new ConfigException(path, line, $"missing '}}' in \"{logical}\"");
                words.Add(logical[(i + 1)..j].Trim());
                i = j + 1;
                continue;
            }
            int start = i;
            while (i < logical.Length && !char.IsWhiteSpace(logical[i]))
                i++;
            words.Add(logical[start..i]);
        }
        return words;
    }
}
