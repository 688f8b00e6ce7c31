using Posthorn.Commands.Common;
using Posthorn.Core.Config;

namespace Posthorn.Commands.Postconf;

/// <summary>postconf(1): print or edit main.cf and master.cf.</summary>
internal static class PostconfCommand
{
    private const string UsageText = "[-abdfhHlmMnPpTvxX#] [-c config_dir] [-o name=value] [-e|-# name=value ...] [name ...]";

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "abc:C:deEfFhHlmMnoPpSTvxX#");
        }
        catch (UsageException e)
        {
            return ctx.Usage(UsageText, e.Message);
        }
        var dir = ConfigDirectory.Resolve(opts.Value('c'));
        MainConfig config;
        try
        {
            config = MainConfig.Load(dir);
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        var names = opts.Operands.Count > 0 ? opts.Operands : ParameterRegistry.All.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        try
        {
            foreach (var name in names)
            {
                var value = opts.Has('d') ? (ParameterRegistry.TryGet(name, out var def) ? def.Compute?.Invoke(config) ?? def.Default : null) : config.GetRaw(name);
                if (value is null)
                {
                    ctx.Warning($"{name}: unknown parameter");
                    continue;
                }
                if (opts.Has('x'))
                    value = config.Expand(value);
                ctx.Stdout.WriteLine(opts.Has('h') ? value : $"{name} = {value}");
            }
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        return ExitCodes.Ok;
    }
}
