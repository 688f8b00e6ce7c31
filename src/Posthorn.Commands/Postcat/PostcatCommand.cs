using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Postcat;

/// <summary>
/// postcat(1): shows queue files. <c>postcat [-bdehoqv] [-c dir] [files...]</c>: -e the
/// envelope records and section markers ("*** ENVELOPE RECORDS file ***", message_size,
/// message_arrival_time, sender, recipient, "*** MESSAGE CONTENTS file ***", "*** HEADER
/// EXTRACTED file ***", "*** MESSAGE FILE END file ***"), -h the message header, -b the body
/// (none of the three: all), -o record offsets, -q: the operands are queue ids, searched in
/// the maildrop, incoming, active, deferred and hold queues; without operands, standard input.
/// Built on <see cref="QueueFileDump"/>. Exit status 1 when a file cannot be opened.
/// </summary>
internal static class PostcatCommand
{
    private const string UsageText = "usage: postcat [-b (body text)] [-c config_dir] [-d (decimal record type)] [-e (envelope records)] [-h (header text)] [-q (access queue)] [-v] [file(s)...]";

    private static readonly string[] SearchOrder =
        [QueueNames.Maildrop, QueueNames.Incoming, QueueNames.Active, QueueNames.Deferred, QueueNames.Hold];

    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "bc:defhoqrs:v");
        }
        catch (UsageException)
        {
            return ctx.Fatal(UsageText);
        }
        var sections = QueueDumpSections.None;
        if (opts.Has('e'))
            sections |= QueueDumpSections.Envelope;
        if (opts.Has('h'))
            sections |= QueueDumpSections.Header;
        if (opts.Has('b'))
            sections |= QueueDumpSections.Body;
        bool offsets = opts.Has('o');
        MainConfig config;
        try
        {
            config = MainConfig.Load(ConfigDirectory.Resolve(opts.Value('c')));
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message);
        }
        if (opts.Operands.Count == 0)
        {
            var temp = Path.GetTempFileName();
            try
            {
                using (var o = File.Create(temp))
                    CopyStdin(ctx, o);
                return Show(ctx, temp, "stdin", sections, offsets);
            }
            finally
            {
                File.Delete(temp);
            }
        }
        if (opts.Has('q'))
        {
            var queue = QueueDirectory.FromConfig(config);
            foreach (var id in opts.Operands)
            {
                if (!QueueId.IsValid(id))
                    return ctx.Fatal($"bad mail queue ID: {id}");
                var name = SearchOrder.FirstOrDefault(q => File.Exists(queue.PathOf(q, id)));
                if (name is null)
                    return ctx.Fatal($"open queue file {id}: No such file or directory");
                var path = queue.PathOf(name, id);
                int rc = Show(ctx, path, Path.GetRelativePath(queue.Root, path), sections, offsets);
                if (rc != ExitCodes.Ok)
                    return rc;
            }
            return ExitCodes.Ok;
        }
        foreach (var file in opts.Operands)
        {
            if (!File.Exists(file))
                return ctx.Fatal($"open {file}: No such file or directory");
            int rc = Show(ctx, file, file, sections, offsets);
            if (rc != ExitCodes.Ok)
                return rc;
        }
        return ExitCodes.Ok;
    }

    private static int Show(CommandContext ctx, string path, string display, QueueDumpSections sections, bool offsets)
    {
        var status = QueueFileDump.Write(path, ctx.Stdout, sections, offsets, display, TimeZoneInfo.Local);
        return status is QueueFileStatus.Missing or QueueFileStatus.IOError ? ExitCodes.Fatal : ExitCodes.Ok;
    }

    private static void CopyStdin(CommandContext ctx, Stream output)
    {
        if (ReferenceEquals(ctx.Stdin, Console.In))
        {
            using var input = Console.OpenStandardInput();
            input.CopyTo(output);
        }
        else
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(ctx.Stdin.ReadToEnd());
            output.Write(bytes);
        }
    }
}
