using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Commands.Postfix;

/// <summary>
/// The hidden <c>posthorn master</c> command, what Postfix's <c>$daemon_directory/master</c> is
/// to postfix-script (master(8)): <c>-c DIR</c> the configuration, <c>-s</c> also log to
/// stderr (start-fg), <c>-t</c> test: exit 0 when no master runs, 1 when one does,
/// <c>-w</c> started by <c>postfix start</c>: leave the caller's session, print "ready" on
/// stdout once the services run (or fail with the reason on stderr), then detach stdio.
/// </summary>
internal static class MasterCommand
{
    /// <summary>The line the detached master prints when its services run.</summary>
    public const string ReadyLine = "ready";

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "c:stw");
        }
        catch (UsageException e)
        {
            return ctx.Usage("[-c config_dir] [-s] [-t] [-w]", e.Message);
        }
        var dir = ConfigDirectory.Resolve(opts.Value('c'));
        if (opts.Has('t'))
            return TestLock(ctx, dir);
        bool detach = opts.Has('w');
        if (detach)
            ProcessControl.NewSession();
        var daemon = new MasterDaemon(new MasterOptions(dir, LogToStderr: opts.Has('s')));
        return daemon.Run(ctx.Stderr, detach ? () => ReportReady(ctx) : null);
    }

    private static void ReportReady(CommandContext ctx)
    {
        ctx.Stdout.Write(ReadyLine + "\n");
        ctx.Stdout.Flush();
        ctx.Stderr.Flush();
        ProcessControl.DetachStdio();
    }

    private static int TestLock(CommandContext ctx, string dir)
    {
        try
        {
            var main = MainConfig.Load(dir);
            var (running, _) = PidFile.Probe(PidFile.PathFor(QueueDirectories.Of(main), main.Get("process_id_directory")));
            return running ? 1 : 0;
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
    }
}
