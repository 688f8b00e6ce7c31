using System.Text;
using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Sendmail;

/// <summary>
/// sendmail(1) and mailq(1), Postfix's Sendmail-compatible interface: posts a message read
/// from standard input into the maildrop queue (docs/sendmail.md), or, by option, lists the
/// queue (-bp, mailq: postqueue -p), rebuilds aliases (-bi, -I, newaliases), flushes the queue
/// (-q: postqueue -f; -qRsite: postqueue -s; -qIid: postqueue -i), runs an SMTP dialogue on
/// standard input and output (-bs), or starts the mail system (-bd). Runs as the invoking
/// user; no daemon needs to run for mail to be accepted. Reads queue_directory,
/// message_size_limit, sendmail_fix_line_endings, alias_database. Exit status: 0 once the
/// message is on disk, else a sysexits code (64 usage, 65 too big, 69 no queue, 75 cannot
/// write the queue file).
/// </summary>
internal static class SendmailCommand
{
    public static int Run(CommandContext ctx) =>
        Run(ctx, ReferenceEquals(ctx.Stdin, Console.In)
            ? Console.OpenStandardInput()
            : new MemoryStream(Encoding.UTF8.GetBytes(ctx.Stdin.ReadToEnd())));

    public static int Run(CommandContext ctx, Stream input)
    {
        SendmailOptions options;
        try
        {
            options = SendmailOptions.Parse(ctx.Name, ctx.Args);
        }
        catch (UsageException e)
        {
            return ctx.Fatal(e.Message, ExitCodes.Usage);
        }
        foreach (var w in options.Warnings)
            ctx.Warning(w);
        options.Warnings.Clear();
        MainConfig config;
        try
        {
            config = MainConfig.Load(ConfigDirectory.Resolve(options.ConfigDir));
        }
        catch (ConfigException e)
        {
            return ctx.Fatal(e.Message, ExitCodes.Config);
        }
        if (options.QueueTime is not null && options.Mode != SendmailMode.Daemon)
            return ExitCodes.Ok;
        var verbose = Enumerable.Repeat("-v", options.Verbose).ToList();
        var configArgs = new List<string> { "-c", config.ConfigDirectory };
        int RunPostqueue(params string[] args) =>
            Commands.Postqueue.PostqueueCommand.Run(new CommandContext("postqueue", [.. configArgs, .. verbose, .. args], ctx.Stdin, ctx.Stdout, ctx.Stderr));
        switch (options.Mode)
        {
            case SendmailMode.Enqueue:
                if (options.SiteToFlush is not null)
                    return options.Recipients.Count > 0 ? ctx.Fatal("flush site requires no recipient", ExitCodes.Usage) : RunPostqueue("-s", options.SiteToFlush);
                if (options.IdToFlush is not null)
                    return options.Recipients.Count > 0 ? ctx.Fatal("flush queue_id requires no recipient", ExitCodes.Usage) : RunPostqueue("-i", options.IdToFlush);
                return Enqueue(ctx, config, options, input);
            case SendmailMode.MailQueue:
                return options.Recipients.Count > 0 ? ctx.Fatal("display queue mode requires no recipient", ExitCodes.Usage) : RunPostqueue("-p");
            case SendmailMode.FlushQueue:
                return options.Recipients.Count > 0 ? ctx.Fatal("flush queue mode requires no recipient", ExitCodes.Usage) : RunPostqueue("-f");
            case SendmailMode.NewAlias:
                if (options.Recipients.Count > 0)
                    return ctx.Fatal("alias initialization mode requires no recipient", ExitCodes.Usage);
                if (options.AliasMap is not null)
                    return Postmap.MapTool.Run(new CommandContext("postalias", [.. configArgs, options.AliasMap], ctx.Stdin, ctx.Stdout, ctx.Stderr), aliases: true);
                return Postalias.NewaliasesCommand.Run(new CommandContext("newaliases", ["-C", config.ConfigDirectory], ctx.Stdin, ctx.Stdout, ctx.Stderr));
            case SendmailMode.Daemon:
                if (options.Recipients.Count > 0)
                    return ctx.Fatal("daemon mode requires no recipient", ExitCodes.Usage);
                return Postfix.PostfixCommand.Run(new CommandContext("postfix", [.. configArgs, "start"], ctx.Stdin, ctx.Stdout, ctx.Stderr));
            case SendmailMode.User:
                if (options.Recipients.Count > 0)
                    return ctx.Fatal("stand-alone mode requires no recipient", ExitCodes.Usage);
                return new SendmailSmtpSession(config, options, UserName(), MaildropFile.RealUid, input, ctx.Stdout).Run();
            default:
                return ExitCodes.Ok;
        }
    }

    private static int Enqueue(CommandContext ctx, MainConfig config, SendmailOptions options, Stream input)
    {
        var submission = new MaildropSubmission(config, options, UserName(), MaildropFile.RealUid);
        try
        {
            submission.Submit(input);
        }
        catch (SubmissionException e)
        {
            foreach (var w in options.Warnings)
                ctx.Warning(w);
            return ctx.Fatal(e.Message, e.Status);
        }
        foreach (var w in options.Warnings)
            ctx.Warning(w);
        return ExitCodes.Ok;
    }

    /// <summary>The login name of the invoking user (Postfix's username()).</summary>
    internal static string UserName()
    {
        var name = Environment.UserName;
        return string.IsNullOrEmpty(name) ? MaildropFile.RealUid.ToString(System.Globalization.CultureInfo.InvariantCulture) : name;
    }
}
