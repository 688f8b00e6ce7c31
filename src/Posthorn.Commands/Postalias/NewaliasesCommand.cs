using Posthorn.Commands.Common;
using Posthorn.Commands.Postmap;
using Posthorn.Core.Config;

namespace Posthorn.Commands.Postalias;

/// <summary>
/// newaliases(1) (sendmail -bi): rebuilds every table in <c>alias_database</c> with
/// postalias. Takes sendmail's <c>-C DIR</c> for the configuration directory; other
/// sendmail options are accepted and ignored, as Postfix's sendmail does.
/// </summary>
internal static class NewaliasesCommand
{
    public static int Run(CommandContext ctx)
    {
        string? dir = null;
        for (int i = 0; i < ctx.Args.Count; i++)
        {
            var a = ctx.Args[i];
            if (a == "-C" && i + 1 < ctx.Args.Count)
                dir = ctx.Args[++i];
            else if (a.StartsWith("-C", StringComparison.Ordinal) && a.Length > 2)
                dir = a[2..];
        }
        MainConfig config;
        try
        {
            config = MainConfig.Load(ConfigDirectory.Resolve(dir));
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        var tables = config.GetList("alias_database");
        if (tables.Count == 0)
            return ExitCodes.Ok;
        var args = new List<string> { "-c", config.ConfigDirectory };
        args.AddRange(tables);
        var inner = new CommandContext("newaliases", args, ctx.Stdin, ctx.Stdout, ctx.Stderr);
        return MapTool.Run(inner, aliases: true);
    }
}
