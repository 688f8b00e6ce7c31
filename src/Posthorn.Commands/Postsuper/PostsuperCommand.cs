using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Postsuper;

/// <summary>
/// postsuper(1): queue maintenance by atomic renames, safe while the queue manager runs.
/// -d ID|ALL|- deletes messages (and their defer, bounce and trace logs; "-" reads ids from
/// standard input); -h ID|ALL|- puts messages on hold, -H ID|ALL|- releases them to deferred;
/// -r ID|ALL|- requeues them into maildrop, envelope kept, so pickup passes them on again;
/// -s checks the structure (files in the wrong hashed subdirectory are moved, non-file objects
/// removed), -p purges temporary files more than 7 days old. Operands name the queues to work
/// on (default hold, incoming, active, deferred; maildrop too for -s and -p; a named maildrop
/// is searched by -d as well). A message in
/// active is handled as Postfix does: deleting it removes the file and the queue manager
/// notices it is gone. Reports "ID: removed" (not for ALL) and "Deleted: N messages" as
/// Postfix, on standard error and in the mail log. Options -c DIR and -v.
/// </summary>
internal static class PostsuperCommand
{
    private static readonly string[] DefaultQueues =
        [QueueNames.Hold, QueueNames.Incoming, QueueNames.Active, QueueNames.Deferred, QueueNames.Maildrop];

    private static readonly string[] LogQueues = [QueueNames.Defer, QueueNames.Bounce, QueueNames.Trace];

    /// <summary>Seven days, Postfix's MAX_TEMP_AGE.</summary>
    internal static readonly TimeSpan MaxTempAge = TimeSpan.FromDays(7);

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "c:d:h:H:pr:sSv", permute: false); // -e, -f (force expire) are not implemented
        }
        catch (UsageException e)
        {
            return ctx.Fatal($"{e.Message}; usage: postsuper [-psSv] [-c config_dir] [-d queue_id] [-h queue_id] [-H queue_id] [-r queue_id] [directory ...]", ExitCodes.Usage);
        }
        MainConfig config;
        try
        {
            config = MainConfig.Load(ConfigDirectory.Resolve(opts.Value('c')));
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message, ExitCodes.Config);
        }
        var queue = QueueDirectory.FromConfig(config);
        if (!Directory.Exists(queue.Root))
            return ctx.Fatal($"chdir {queue.Root}: No such file or directory");
        foreach (var q in opts.Operands)
            if (!DefaultQueues.Contains(q))
                return ctx.Fatal($"invalid directory name: {q}");
        var queues = opts.Operands.Count > 0 ? opts.Operands.ToArray() : DefaultQueues;
        // -d, -h, -H, -r work on hold, incoming, active and deferred unless queues are named.
        var messageQueues = opts.Operands.Count > 0 ? queues : queues.Where(q => q != QueueNames.Maildrop).ToArray();
        // As Postfix's postsuper: "ID: removed" for messages named one by one; with ALL only the totals.
        bool perMessage = true;
        var ops = new QueueOperations(queue, (id, what) =>
        {
            if (perMessage || what.StartsWith("warning:", StringComparison.Ordinal))
                Info(ctx, config, $"{id}: {what}");
        });
        bool any = opts.Options.Any(o => o.Option is 'd' or 'h' or 'H' or 'r' or 'p' or 's' or 'S');
        if (!any || opts.Has('s') || opts.Has('S') || opts.Has('p'))
        {
            var (moved, removed) = ops.Repair(queues, purge: opts.Has('p'), structure: !any || opts.Has('s') || opts.Has('S'), DateTimeOffset.UtcNow);
            foreach (var m in moved)
                Info(ctx, config, $"renamed file {m}");
            foreach (var r in removed)
                Info(ctx, config, $"removed file {r}");
        }
        int deleted = 0, requeued = 0, held = 0, released = 0;
        foreach (var (option, argument) in opts.Options)
        {
            if (option is not ('d' or 'h' or 'H' or 'r') || argument is null)
                continue;
            perMessage = argument != "ALL";
            var ids = Ids(ctx, ops, argument, option switch
            {
                'H' => [QueueNames.Hold],
                'h' => messageQueues.Where(q => q != QueueNames.Hold).ToArray(),
                _ => messageQueues,
            });
            foreach (var id in ids)
            {
                if (!QueueId.IsValid(id))
                {
                    ctx.Warning($"invalid mail queue id: {id}");
                    continue;
                }
                switch (option)
                {
                    case 'd':
                        deleted += ops.Delete(messageQueues, id) ? 1 : 0;
                        break;
                    case 'h':
                        held += ops.Move(messageQueues.Where(q => q != QueueNames.Hold), id, QueueNames.Hold, "placed on hold") ? 1 : 0;
                        break;
                    case 'H':
                        released += messageQueues.Contains(QueueNames.Hold) && ops.Move([QueueNames.Hold], id, QueueNames.Deferred, "released from hold", touch: true) ? 1 : 0;
                        break;
                    default:
                        requeued += ops.Move(messageQueues, id, QueueNames.Maildrop, "requeued", touch: true) ? 1 : 0;
                        break;
                }
            }
        }
        ReportCounts();
        _log?.Dispose();
        _log = null;
        return ExitCodes.Ok;

        void ReportCounts()
        {
        if (opts.Has('r'))
            Info(ctx, config, $"Requeued: {requeued} message{(requeued == 1 ? "" : "s")}");
        if (opts.Has('d'))
            Info(ctx, config, $"Deleted: {deleted} message{(deleted == 1 ? "" : "s")}");
        if (opts.Has('h'))
            Info(ctx, config, $"Placed on hold: {held} message{(held == 1 ? "" : "s")}");
        if (opts.Has('H'))
            Info(ctx, config, $"Released from hold: {released} message{(released == 1 ? "" : "s")}");
        }
    }

    /// <summary>The ids an option argument names: one id, ALL (every message in the queues), or "-" (standard input).</summary>
    private static List<string> Ids(CommandContext ctx, QueueOperations ops, string argument, IReadOnlyList<string> queues)
    {
        if (argument == "ALL")
            return queues.SelectMany(ops.Queue.Enumerate).Distinct().ToList();
        if (argument == "-")
        {
            var list = new List<string>();
            while (ctx.Stdin.ReadLine() is { } line)
            {
                var id = line.Trim();
                if (id.Length > 0)
                    list.Add(id);
            }
            return list;
        }
        return [argument];
    }

    private static void Info(CommandContext ctx, MainConfig config, string message)
    {
        ctx.Stderr.WriteLine("postsuper: " + message);
        try
        {
            _log ??= Posthorn.Core.Logging.MailLog.FromConfig(config, toStderr: false);
            _log.Info("postsuper", message);
            _log.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The mail log is not writable by this user: standard error has it.
        }
    }

    [ThreadStatic]
    private static Posthorn.Core.Logging.MailLog? _log;

    /// <summary>The queues whose defer/bounce/trace logs go with a message.</summary>
    internal static IReadOnlyList<string> MessageLogQueues => LogQueues;
}
