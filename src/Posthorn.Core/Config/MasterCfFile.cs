namespace Posthorn.Core.Config;

/// <summary>
/// One master.cf service entry as master(5) describes it: the eight columns (service, type,
/// private, unprivileged, chroot, wakeup, process_limit, command) with <c>-</c> meaning "the
/// default", then the command's arguments. Daemon options come first: <c>-o name=value</c>,
/// <c>-oname=value</c> and <c>-o { name = value }</c> become <see cref="Overrides"/> (a value
/// may refer to $parameters; it is expanded when the service reads it); the first argument
/// that is not an option ends them, so pipe's <c>flags=</c> and <c>argv=</c> stay in
/// <see cref="Arguments"/>. <see cref="RawArguments"/> is Postfix's normalized argument list
/// (<c>-o</c> and its value as two words, the text of <c>{ ... }</c> words unwrapped).
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

    /// <summary>The last physical line of the entry (continuation lines included).</summary>
    public int LastLine { get; init; }

    /// <summary>The eight fields as written.</summary>
    public IReadOnlyList<string> Fields => [Name, Type, Private, Unprivileged, Chroot, Wakeup, MaxProc, Command];

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

    /// <summary>
    /// The configuration this service sees: main.cf with its -o overrides applied, and the
    /// read-only service_name (the service field) and process_name (the command's base name)
    /// that -o values such as <c>syslog_name=postfix/$service_name</c> refer to.
    /// </summary>
    public MainConfig ConfigFor(MainConfig main) =>
        main.WithOverrides(
            new KeyValuePair<string, string>[] { new("service_name", Name), new("process_name", System.IO.Path.GetFileName(Command)) }
                .Concat(Overrides));
}

/// <summary>
/// Parses master.cf per master(5) and Postfix 3.7's postconf: logical lines as in main.cf, words
/// split on whitespace, a word that starts with '{' runs to the matching '}' and its text
/// (whitespace just inside the braces dropped) is one argument. Field errors are reported with
/// Postfix's texts and the file and line.
/// </summary>
public sealed class MasterCfFile
{
    /// <summary>The names of the eight fields, as postconf -F shows them.</summary>
    public static readonly string[] FieldNames = ["service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command"];

    private static readonly string[] ServiceTypes = ["inet", "unix", "unix-dgram", "fifo", "pass"];

    private MasterCfFile(string path, IReadOnlyList<MasterService> services)
    {
        Path = path;
        Services = services;
    }

    public string Path { get; }

    /// <summary>Every entry in file order, duplicates included (postconf shows them all).</summary>
    public IReadOnlyList<MasterService> Services { get; }

    /// <summary>
    /// The entries the master runs: for a name/type given twice the last entry wins, as in
    /// Postfix's master, which warns "duplicate master.cf entry for service ... -- using the
    /// last entry" (<see cref="DuplicateIds"/>).
    /// </summary>
    public IReadOnlyList<MasterService> EffectiveServices =>
        Services.Where((s, i) => !Services.Skip(i + 1).Any(later => later.Id == s.Id)).ToList();

    /// <summary>The name/type pairs that occur more than once.</summary>
    public IReadOnlyList<string> DuplicateIds =>
        Services.GroupBy(s => s.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

    public static MasterCfFile Load(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException($"open {path}: No such file or directory");
        return Parse(path, File.ReadAllText(path));
    }

    public static MasterCfFile Parse(string path, string text)
    {
        var services = new List<MasterService>();
        var lines = text.Split('\n');
        foreach (var (line, logical) in LogicalLines.Read(text))
        {
            int last = line;
            while (last < lines.Length && (lines[last].Length == 0 || char.IsWhiteSpace(lines[last][0]) || lines[last][0] == '#'))
                last++;
            while (last > line && (lines[last - 1].Trim().Length == 0 || lines[last - 1].TrimStart().StartsWith('#')))
                last--;
            services.Add(ParseEntry(path, line, logical) with { LastLine = last });
        }
        return new MasterCfFile(path, services);
    }

    /// <summary>Parses one logical line (an entry); errors name the file and line.</summary>
    public static MasterService ParseEntry(string path, int line, string logical)
    {
        var words = Tokenize(logical, path, line, keepBraces: true);
        if (words.Count < 8)
            throw ConfigException.InMasterCf(path, line, "bad field count");
        if (Array.IndexOf(ServiceTypes, words[1]) < 0)
            throw ConfigException.InMasterCf(path, line, $"invalid type field \"{words[1]}\" in \"{logical}\"");
        for (int f = 2; f <= 4; f++)
        {
            if (words[f] is not ("y" or "n" or "-"))
                throw ConfigException.InMasterCf(path, line, $"invalid {FieldNames[f]} field \"{words[f]}\" in \"{logical}\"");
        }
        var wakeup = words[5].EndsWith('?') ? words[5][..^1] : words[5];
        if (wakeup != "-" && !wakeup.All(char.IsAsciiDigit))
            throw ConfigException.InMasterCf(path, line, $"invalid wakeup field \"{words[5]}\" in \"{logical}\"");
        if (words[6] != "-" && !words[6].All(char.IsAsciiDigit))
            throw ConfigException.InMasterCf(path, line, $"invalid process_limit field \"{words[6]}\" in \"{logical}\"");

        var raw = NormalizeArguments(words.Skip(8).ToList(), path, line);
        var args = new List<string>();
        var overrides = new List<KeyValuePair<string, string>>();
        bool inOptions = true;
        for (int i = 0; i < raw.Count; i++)
        {
            var a = raw[i];
            if (inOptions && (a.Length < 2 || a[0] != '-' || a == "--"))
                inOptions = false;
            if (inOptions && a == "-o" && i + 1 < raw.Count)
            {
                var spec = raw[++i];
                var (name, value, error) = MainCfFile.SplitNameValue(spec);
                if (error is not null)
                    throw ConfigException.InMasterCf(path, line, $"{error}: \"{spec}\"");
                overrides.Add(new(name, value));
                continue;
            }
            args.Add(a);
        }
        return new MasterService(words[0], words[1], words[2], words[3], words[4], words[5], words[6], words[7],
            args, overrides, raw, line);
    }

    /// <summary>
    /// Postfix's normal form of the command arguments: "-vo x=y" becomes "-v" "-o" "x=y",
    /// "-ox=y" becomes "-o" "x=y", "{ text }" becomes "text", and "-o { name = value }"
    /// becomes "-o" "name=value".
    /// </summary>
    private static List<string> NormalizeArguments(List<string> args, string path, int line)
    {
        var result = new List<string>();
        int i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a.Length == 0 || a[0] != '-' || a == "--")
                break;
            int o = a.IndexOf('o', 1);
            if (o > 1)
            {
                result.Add(a[..o]);
                a = "-" + a[o..];
            }
            if (a.Length < 2 || a[1] != 'o')
            {
                result.Add(a);
                continue;
            }
            result.Add("-o");
            string? value = a.Length > 2 ? a[2..] : i + 1 < args.Count ? args[++i] : null;
            if (value is null)
                continue;
            if (value.StartsWith('{'))
            {
                var inner = Unbrace(value, path, line);
                var (name, v, error) = MainCfFile.SplitNameValue(inner);
                value = error is null ? name + "=" + v : inner;
            }
            result.Add(value);
        }
        for (; i < args.Count; i++)
            result.Add(args[i].StartsWith('{') ? Unbrace(args[i], path, line) : args[i]);
        return result;
    }

    /// <summary>The text inside a <c>{ ... }</c> word, whitespace just inside the braces dropped.</summary>
    private static string Unbrace(string word, string path, int line)
    {
        int depth = 0, k = 0;
        for (; k < word.Length; k++)
        {
            if (word[k] == '{')
                depth++;
            else if (word[k] == '}' && --depth == 0)
                break;
        }
        if (k >= word.Length)
            throw ConfigException.InMasterCf(path, line, $"missing '}}' in \"{word}\"");
        if (k != word.Length - 1)
            throw ConfigException.InMasterCf(path, line, $"syntax error after '}}' in \"{word}\"");
        return word[1..k].Trim();
    }

    /// <summary>
    /// Splits a logical line on whitespace; a word that starts with '{' runs to its matching '}'.
    /// With <paramref name="keepBraces"/> false the braces and the whitespace just inside them are
    /// removed, as master(5) describes for Postfix 3.0 and later.
    /// </summary>
    public static List<string> Tokenize(string logical, string path = "master.cf", int line = 0, bool keepBraces = false)
    {
        var words = new List<string>();
        int i = 0;
        while (i < logical.Length)
        {
            while (i < logical.Length && char.IsWhiteSpace(logical[i]))
                i++;
            if (i >= logical.Length)
                break;
            int start = i;
            int depth = 0;
            for (; i < logical.Length; i++)
            {
                char c = logical[i];
                if (c == '{')
                    depth++;
                else if (c == '}' && depth > 0)
                    depth--;
                else if (depth == 0 && char.IsWhiteSpace(c))
                    break;
            }
            if (depth > 0 && logical[start] == '{')
                throw ConfigException.InMasterCf(path, line, $"missing '}}' in \"{logical[start..]}\"");
            var w = logical[start..i];
            words.Add(!keepBraces && w.StartsWith('{') ? Unbrace(w, path, line) : w);
        }
        return words;
    }
}
