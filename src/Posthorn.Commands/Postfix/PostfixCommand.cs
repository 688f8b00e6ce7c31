using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Master;

namespace Posthorn.Commands.Postfix;

/// <summary>
/// <c>postfix [-c config_dir] [-Dv] command</c> (postfix(1)): start, start-fg, stop, abort,
/// reload, status, check and flush, with the messages and exit statuses of Postfix's
/// postfix-script, "Postfix" replaced by mail_name and the tag by syslog_name:
/// <c>posthorn/postfix-script: starting the Posthorn mail system</c>. Messages go to stderr
/// (always, where postlog only writes to a terminal) and to maillog_file.
/// </summary>
internal static class PostfixCommand
{
    private const string UsageText = "[-c config_dir] [-Dv] command";

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "c:Dv");
        }
        catch (UsageException e)
        {
            return ctx.Usage(UsageText, e.Message);
        }
        if (opts.Operands.Count == 0)
            return ctx.Usage(UsageText);
        var dir = ConfigDirectory.Resolve(opts.Value('c'));
        MainConfig main;
        try
        {
            main = MainConfig.Load(dir);
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        using var script = new PostfixScript(ctx, main, opts.Has('v'));
        try
        {
            return script.Run(opts.Operands[0]);
        }
        catch (ConfigException e)
        {
            return script.Fatal(e.Message);
        }
    }
}
