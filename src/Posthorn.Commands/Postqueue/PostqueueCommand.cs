using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;
using Posthorn.Services.Master;

namespace Posthorn.Commands.Postqueue;

/// <summary>
/// postqueue(1): -p lists the queue as mailq does, -j as JSON lines (both read the queue
/// directory directly, as Postfix's showq service would); -f flushes: asks the running
/// master's queue manager through public/qmgr (<see cref="QmgrTrigger"/>) to retry deferred
/// mail and scan the queues; -s site makes the deferred mail for a site due now and -i id one
/// deferred message (their retry time is the file's modification time), then triggers the
/// queue manager. Without a master: "mail system is down" (EX_UNAVAILABLE).
/// Options -c DIR and -v as in Postfix. Reads queue_directory, hash_queue_depth,
/// hash_queue_names, enable_long_queue_ids, empty_address_recipient.
/// </summary>
internal static class PostqueueCommand
{
    private const string UsageText = "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site";

    private enum Mode { Default, List, Json, Flush, Site, File }

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "c:fi:jps:v", permute: false);
        }
        catch (UsageException)
        {
            return ctx.Fatal(UsageText, ExitCodes.Usage);
        }
        if (opts.Operands.Count > 0)
            return ctx.Fatal(UsageText, ExitCodes.Usage);
        var mode = Mode.Default;
        string? site = null, id = null;
        foreach (var (option, argument) in opts.Options)
        {
            var next = option switch
            {
                'f' => Mode.Flush,
                'i' => Mode.File,
                'j' => Mode.Json,
                'p' => Mode.List,
                's' => Mode.Site,
                _ => Mode.Default,
            };
            if (next == Mode.Default)
                continue;
            if (mode != Mode.Default)
                return ctx.Fatal("specify only one of -f, -i, -j, -p or -s", ExitCodes.Usage);
            mode = next;
            site = option == 's' ? argument : site;
            id = option == 'i' ? argument : id;
        }
        if (mode == Mode.Default)
            return ctx.Fatal(UsageText, ExitCodes.Usage);
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
            return ctx.Fatal($"chdir {queue.Root}: No such file or directory", ExitCodes.Unavailable);
        if (site is not null && !ValidSite(site))
            return ctx.Fatal($"Cannot flush mail queue - invalid destination: \"{Truncate(site)}\"", ExitCodes.Usage);
        if (id is not null && !QueueId.IsValid(id))
            return ctx.Fatal($"Cannot flush queue ID - invalid name: \"{Truncate(id)}\"", ExitCodes.Usage);
        if (mode is Mode.List or Mode.Json && Unreadable(queue) is { } denied)
            return ctx.Fatal($"Queue report unavailable - open {denied}: Permission denied (run as root or $mail_owner)", ExitCodes.Unavailable);
        switch (mode)
        {
            case Mode.List:
                QueueReport.WriteMailq(QueueListing.List(queue, config.Get("empty_address_recipient")), ctx.Stdout, queue.LongQueueIds);
                return ExitCodes.Ok;
            case Mode.Json:
                QueueReport.WriteJson(QueueListing.List(queue, config.Get("empty_address_recipient")), ctx.Stdout);
                return ExitCodes.Ok;
            case Mode.Flush:
                return Trigger(ctx, queue, $"{QmgrTrigger.FlushDead}{QmgrTrigger.ScanAll}");
            case Mode.Site:
                foreach (var deferredId in queue.Enumerate(QueueNames.Deferred))
                {
                    var read = QueueFileReader.Read(queue.PathOf(QueueNames.Deferred, deferredId));
                    if (read.File is { } f && f.Recipients.Any(r => !r.Done && SiteOf(r.Address).Equals(site, StringComparison.OrdinalIgnoreCase)))
                        MakeDue(queue, deferredId);
                }
                return Trigger(ctx, queue, QmgrTrigger.ScanAll.ToString());
            default:
                if (File.Exists(queue.PathOf(QueueNames.Deferred, id!)))
                    MakeDue(queue, id!);
                return Trigger(ctx, queue, QmgrTrigger.ScanAll.ToString());
        }
    }

    /// <summary>A listed queue this user may not read (showq runs as mail_owner; here the command reads), or null.</summary>
    private static string? Unreadable(QueueDirectory queue)
    {
        foreach (var name in QueueListing.ListedQueues)
        {
            if (name == QueueNames.Maildrop)
                continue; // 1733: never listable by users, and pickup empties it.
            var dir = Path.Combine(queue.Root, name);
            try
            {
                if (Directory.Exists(dir))
                    _ = Directory.EnumerateFileSystemEntries(dir).Any();
            }
            catch (UnauthorizedAccessException)
            {
                return dir;
            }
        }
        return null;
    }

    private static int Trigger(CommandContext ctx, QueueDirectory queue, string requests) =>
        QmgrTrigger.Send(queue.Root, requests)
            ? ExitCodes.Ok
            : ctx.Fatal("Cannot flush mail queue - mail system is down", ExitCodes.Unavailable);

    private static void MakeDue(QueueDirectory queue, string id)
    {
        try
        {
            QueueDirectory.SetNextRetry(queue.PathOf(QueueNames.Deferred, id), DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Moved by the queue manager meanwhile: it is being delivered already.
        }
    }

    /// <summary>The domain of an address ("" for none), as the site -s names.</summary>
    internal static string SiteOf(string address)
    {
        int at = address.LastIndexOf('@');
        return at < 0 ? "" : address[(at + 1)..];
    }

    /// <summary>A hostname, or an address literal in [].</summary>
    internal static bool ValidSite(string site)
    {
        if (site.StartsWith('['))
            return site.EndsWith(']') && System.Net.IPAddress.TryParse(site[1..^1].Replace("IPv6:", "", StringComparison.OrdinalIgnoreCase), out _);
        if (site.Length is 0 or > 255)
            return false;
        return site.Split('.').All(label => label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')
            && label[0] != '-' && label[^1] != '-');
    }

    private static string Truncate(string s) => s.Length > 100 ? s[..100] + "..." : s;
}
