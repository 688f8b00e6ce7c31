using Posthorn.Commands.Common;
using Posthorn.Core.Config;

namespace Posthorn.Commands.Postconf;

/// <summary>
/// postconf(1): print or edit main.cf (postconf(5)) and master.cf (master(5)). Without options
/// it prints every parameter, sorted, as <c>name = value</c>; -n only those main.cf sets; -d the
/// defaults; -h values only, -H names only, -x expanded, -f folded; named parameters only when
/// names are given. -e, -X and -# edit main.cf; -M, -F and -P show or edit master.cf; -m, -l,
/// -a, -A list table types, lock methods and SASL types. -c DIR (else MAIL_CONFIG, else
/// /etc/posthorn) names the configuration directory; -o name=value overrides a main.cf setting
/// for this run. Unused and undefined parameters draw Postfix's warnings on stderr.
/// </summary>
internal static class PostconfCommand
{
    private const string UsageText = "[-aAdefFhHlmMnpPxX#] [-c config_dir] [-o name=value] [name ...]";

    public static int Run(CommandContext ctx)
    {
        ProcessName.Current = Path.GetFileName(ctx.Name);
        PostconfOptions opts;
        try
        {
            opts = PostconfOptions.Parse(ctx.Args);
        }
        catch (UsageException e)
        {
            return ctx.Usage(UsageText, e.Message);
        }
        catch (PostconfException e)
        {
            return ctx.Fatal(e.Message);
        }
        var dir = opts.ConfigDir ?? NonEmpty(Environment.GetEnvironmentVariable("MAIL_CONFIG")) ?? ConfigDirectory.Default;
        try
        {
            return Dispatch(ctx, opts, dir);
        }
        catch (Exception e) when (e is ConfigException or PostconfException)
        {
            ctx.Stdout.Flush();
            return ctx.Fatal(e.Message);
        }
        catch (IOException e)
        {
            ctx.Stdout.Flush();
            return ctx.Fatal(e.Message);
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static int Dispatch(CommandContext ctx, PostconfOptions opts, string dir)
    {
        if (opts.Has(PostconfMode.ShowMaps))
        {
            LoadMain(dir, opts);
            return Print(ctx, PostconfLists.TableTypes);
        }
        if (opts.Has(PostconfMode.ShowLocks))
            return Print(ctx, PostconfLists.LockMethods);
        bool editing = opts.Has(PostconfMode.Edit | PostconfMode.CommentOut | PostconfMode.Exclude);
        bool master = opts.Has(PostconfMode.MasterEntry | PostconfMode.MasterField | PostconfMode.MasterParam);
        if (master && !editing)
            return PostconfMaster.Show(ctx, opts, dir);
        if (opts.Has(PostconfMode.SaslServer))
            return Print(ctx, PostconfLists.SaslServerTypes);
        if (opts.Has(PostconfMode.SaslClient))
            return Print(ctx, PostconfLists.SaslClientTypes);
        if (editing)
        {
            if (opts.Operands.Count == 0)
                throw new PostconfException("missing service argument");
            if (master)
                return PostconfMaster.Edit(ctx, opts, dir);
            return EditMain(ctx, opts, dir);
        }
        return ShowParameters(ctx, opts, dir);
    }

    private static int Print(CommandContext ctx, IEnumerable<string> lines)
    {
        foreach (var l in lines)
            ctx.Stdout.WriteLine(l);
        return ExitCodes.Ok;
    }

    /// <summary>main.cf with -o overrides; a missing directory or main.cf is fatal, as in Postfix.</summary>
    internal static MainConfig LoadMain(string dir, PostconfOptions opts)
    {
        var main = Path.Combine(dir, "main.cf");
        if (!File.Exists(main))
            throw new ConfigException($"open {main}: No such file or directory");
        var config = MainConfig.Load(dir);
        return WithCommandLineOverrides(config, opts);
    }

    internal static MainConfig WithCommandLineOverrides(MainConfig config, PostconfOptions opts)
    {
        if (opts.Overrides.Count == 0)
            return config;
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var o in opts.Overrides)
        {
            var (name, value, error) = MainCfFile.SplitNameValue(o);
            if (error is not null)
                throw new PostconfException($"invalid parameter override: {o}: {error}");
            pairs.Add(new(name, value));
        }
        return config.WithOverrides(pairs);
    }

    internal static void WarnParseProblems(CommandContext ctx, MainConfig config)
    {
        foreach (var w in config.File.Warnings)
            ctx.Warning(w);
    }

    internal static void WarnReadOnly(CommandContext ctx, MainConfig config)
    {
        foreach (var e in config.File.ToDictionary().Values.OrderBy(e => e.Line).Where(e => MainConfig.ReadOnly.Contains(e.Name)))
            ctx.Warning($"{config.ConfigDirectory}/main.cf: read-only parameter assignment: {e.Name}={e.Value}");
    }

    private static int ShowParameters(CommandContext ctx, PostconfOptions opts, string dir)
    {
        bool defaults = opts.Has(PostconfMode.ShowDefaults);
        MainConfig config;
        if (defaults)
        {
            config = MainConfig.FromText("", ConfigDirectory.Default);
        }
        else
        {
            config = LoadMain(dir, opts);
            WarnParseProblems(ctx, config);
        }
        MasterCfFile? master = null;
        var masterPath = Path.Combine(dir, "master.cf");
        if (File.Exists(masterPath))
            master = MasterCfFile.Load(masterPath);
        else
            ctx.Warning($"open {masterPath}: No such file or directory");
        if (!defaults)
            WarnReadOnly(ctx, config);
        var table = new PostconfParameters(config, master, defaults, ctx.Warning);
        bool fold = opts.Has(PostconfMode.Fold);
        var names = opts.Operands.Count > 0 ? opts.Operands : table.Names(!defaults);
        foreach (var name in names)
        {
            if (!table.IsKnown(name))
            {
                if (opts.Operands.Count > 0)
                {
                    ctx.Stdout.Flush();
                    ctx.Warning($"{name}: unknown parameter");
                }
                continue;
            }
            string? value;
            if (defaults)
                value = table.Default(name);
            else if (config.IsSet(name) || name == "config_directory" && dir != ConfigDirectory.Default)
                value = config.GetRaw(name);
            else if (opts.Has(PostconfMode.ShowNonDefault))
                continue;
            else
                value = table.Default(name) ?? config.GetRaw(name);
            value ??= "";
            if (opts.Has(PostconfMode.Expand) && !PostconfParameters.IsRaw(name))
                value = config.Expand(value, name, null);
            if (opts.Has(PostconfMode.HideValue))
                ctx.Stdout.Write(PostconfOutput.Line(name, fold));
            else if (opts.Has(PostconfMode.HideName))
                ctx.Stdout.Write(PostconfOutput.Line(value, fold));
            else
                ctx.Stdout.Write(PostconfOutput.Line($"{name} = {value}", fold));
        }
        if (!defaults)
        {
            ctx.Stdout.Flush();
            foreach (var (name, value) in table.UnusedMain())
                ctx.Warning($"{dir}/main.cf: unused parameter: {name}={value}");
            foreach (var (name, value) in table.UnusedMaster())
                ctx.Warning($"{dir}/master.cf: unused parameter: {name}={value}");
        }
        return ExitCodes.Ok;
    }

    private static int EditMain(CommandContext ctx, PostconfOptions opts, string dir)
    {
        var mode = opts.Has(PostconfMode.Edit) ? MainCfEditor.Mode.Set
            : opts.Has(PostconfMode.Exclude) ? MainCfEditor.Mode.Remove : MainCfEditor.Mode.CommentOut;
        var requests = MainCfEditor.ParseRequests(mode, opts.Operands, ctx.Warning);
        if (!Directory.Exists(dir))
            throw new ConfigException($"open {Path.Combine(dir, "main.cf")}: No such file or directory");
        MainCfEditor.Edit(Path.Combine(dir, "main.cf"), mode, requests, ctx.Warning);
        return ExitCodes.Ok;
    }
}
