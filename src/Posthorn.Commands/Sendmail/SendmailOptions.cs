using Posthorn.Commands.Common;

namespace Posthorn.Commands.Sendmail;

/// <summary>What sendmail(1) was asked to do (Postfix's SM_MODE_*).</summary>
internal enum SendmailMode
{
    Enqueue,
    NewAlias,
    MailQueue,
    Daemon,
    User,
    FlushQueue,
    Ignore,
}

/// <summary>
/// sendmail(1)'s command line as Postfix's sendmail.c reads it: getopt with the list
/// <c>A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx</c>, stopping at the first operand (no
/// permutation, as on Linux), with <c>-q</c> alone meaning "flush" and <c>-qRsite</c>,
/// <c>-qIid</c>, <c>-q30m</c> taking an attached argument. Options Postfix accepts and ignores
/// (-A -L -U -c -e -h -m -p -x, most -o) are ignored; -n is refused.
/// Problems throw <see cref="UsageException"/> (EX_USAGE); warnings are collected.
/// </summary>
internal sealed class SendmailOptions
{
    private const string OptionList = "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx";

    public SendmailMode Mode { get; private set; } = SendmailMode.Enqueue;
    public string? ConfigDir { get; private set; }
    public string? Sender { get; private set; }
    public string? FullName { get; private set; }
    public bool ExtractRecipients { get; private set; }
    public bool DotEndsMessage { get; private set; } = true;
    public string? DsnNotify { get; private set; }
    public string? DsnRet { get; private set; }
    public string? DsnEnvid { get; private set; }
    public string? Encoding { get; private set; }
    public string RewriteContext { get; private set; } = "local";
    public string? AliasMap { get; private set; }
    public string? QueueTime { get; private set; }
    public string? SiteToFlush { get; private set; }
    public string? IdToFlush { get; private set; }
    public int Verbose { get; private set; }
    public List<string> Recipients { get; } = [];
    public List<string> Warnings { get; } = [];

    /// <summary>Parses the arguments; the invoked name picks the default mode (mailq, newaliases).</summary>
    public static SendmailOptions Parse(string invokedAs, IReadOnlyList<string> args)
    {
        var o = new SendmailOptions
        {
            Mode = invokedAs switch
            {
                "mailq" => SendmailMode.MailQueue,
                "newaliases" => SendmailMode.NewAlias,
                _ => SendmailMode.Enqueue,
            },
        };
        int i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.Length < 2 || a[0] != '-')
                break;
            if (a == "-q")
            {
                if (o.Mode == SendmailMode.Daemon)
                    o.Warnings.Add("ignoring -q option in daemon mode");
                else
                    o.Mode = SendmailMode.FlushQueue;
                continue;
            }
            if (a == "-V" && i + 1 < args.Count && args[i + 1].Length == 2)
            {
                o.Warnings.Add("option -V is deprecated with Postfix 2.3; specify -XV instead");
                i++; // VERP delimiters: VERP is not supported; the option is accepted and ignored.
                continue;
            }
            for (int j = 1; j < a.Length; j++)
            {
                char c = a[j];
                int k = OptionList.IndexOf(c, StringComparison.Ordinal);
                if (k < 0 || c == ':')
                    throw new UsageException("usage: sendmail [options]");
                string? arg = null;
                if (k + 1 < OptionList.Length && OptionList[k + 1] == ':')
                {
                    if (j + 1 < a.Length)
                        arg = a[(j + 1)..];
                    else if (i + 1 < args.Count)
                        arg = args[++i];
                    else
                        throw new UsageException("usage: sendmail [options]");
                    o.Apply(c, arg);
                    break;
                }
                o.Apply(c, null);
            }
        }
        for (; i < args.Count; i++)
            o.Recipients.Add(args[i]);
        o.Check();
        return o;
    }

    private void Apply(char c, string? arg)
    {
        switch (c)
        {
            case 'n':
                throw new UsageException("-n option not supported");
            case 'B':
                Encoding = arg switch
                {
                    "8BITMIME" => "8bit",
                    "7BIT" => "7bit",
                    _ => throw new UsageException("-B option needs 8BITMIME or 7BIT"),
                };
                break;
            case 'C':
                ConfigDir = arg;
                break;
            case 'F':
                FullName = arg;
                break;
            case 'G':
                RewriteContext = "remote";
                break;
            case 'I':
                Mode = SendmailMode.NewAlias;
                break;
            case 'N':
                DsnNotify = NotifyMask(arg!);
                if (DsnNotify is null)
                    Warnings.Add($"bad -N option value: '{arg}' -- ignored");
                break;
            case 'R':
                DsnRet = arg!.ToUpperInvariant() switch
                {
                    "FULL" => "FULL",
                    "HDRS" => "HDRS",
                    _ => null,
                };
                if (DsnRet is null)
                    Warnings.Add("bad -R option value -- ignored");
                break;
            case 'V':
                if (arg!.Length > 100)
                    Warnings.Add("too long -V option value -- ignored");
                else if (!arg.All(ch => ch == '\t' || (ch >= ' ' && ch < 0x7f)))
                    Warnings.Add("bad syntax in -V option value -- ignored");
                else
                    DsnEnvid = arg;
                break;
            case 'X':
                if (arg!.Length == 0 || arg[0] != 'V')
                    throw new UsageException($"unsupported: -X{(arg.Length > 0 ? arg[0] : ' ')}");
                break; // -XV: VERP, accepted and ignored.
            case 'b':
                ApplyMode(arg!);
                break;
            case 'f':
            case 'r':
                Sender = arg;
                break;
            case 'i':
                DotEndsMessage = false;
                break;
            case 'o':
                if (arg!.Length > 0 && arg[0] == 'i')
                    DotEndsMessage = false;
                else if (arg.Length > 0 && arg[0] == 'A')
                    AliasMap = arg.Length > 1 ? arg[1..] : throw new UsageException("-oA requires pathname");
                break;
            case 'q':
                if (arg!.Length > 0 && char.IsAsciiDigit(arg[0]))
                    QueueTime = arg;
                else if (arg.StartsWith('R'))
                    SiteToFlush = arg.Length > 1 ? arg[1..] : throw new UsageException("specify: -qRsitename");
                else if (arg.StartsWith('I'))
                    IdToFlush = arg.Length > 1 ? arg[1..] : throw new UsageException("specify: -qIqueueid");
                else
                    throw new UsageException($"-q{(arg.Length > 0 ? arg[0] : ' ')} is not implemented");
                break;
            case 't':
                ExtractRecipients = true;
                break;
            case 'v':
                Verbose++;
                break;
            default:
                break; // Accepted for compatibility and ignored, as Postfix does.
        }
    }

    private void ApplyMode(string arg)
    {
        switch (arg.Length > 0 ? arg[0] : ' ')
        {
            case 'd':
            case 'l':
                if (Mode == SendmailMode.FlushQueue)
                    Warnings.Add("ignoring -q option in daemon mode");
                Mode = SendmailMode.Daemon;
                break;
            case 'h':
            case 'H':
                Mode = SendmailMode.Ignore;
                break;
            case 'i':
                Mode = SendmailMode.NewAlias;
                break;
            case 'm':
                Mode = SendmailMode.Enqueue;
                break;
            case 'p':
                Mode = SendmailMode.MailQueue;
                break;
            case 's':
                Mode = SendmailMode.User;
                break;
            default:
                throw new UsageException($"unsupported: -b{(arg.Length > 0 ? arg[0] : ' ')}");
        }
    }

    private void Check()
    {
        if (ExtractRecipients && Mode != SendmailMode.Enqueue)
            throw new UsageException("-t can be used only in delivery mode");
        if (SiteToFlush is not null && Mode != SendmailMode.Enqueue)
            throw new UsageException("-qR can be used only in delivery mode");
        if (IdToFlush is not null && Mode != SendmailMode.Enqueue)
            throw new UsageException("-qI can be used only in delivery mode");
    }

    /// <summary>RFC 3461 NOTIFY from -N: "never", or a comma list of success, failure, delay; null when bad.</summary>
    internal static string? NotifyMask(string value)
    {
        var items = value.Split(',', StringSplitOptions.TrimEntries);
        var result = new List<string>();
        foreach (var item in items)
        {
            var upper = item.ToUpperInvariant();
            if (upper is not ("NEVER" or "SUCCESS" or "FAILURE" or "DELAY"))
                return null;
            if (!result.Contains(upper))
                result.Add(upper);
        }
        if (result.Count == 0 || (result.Contains("NEVER") && result.Count > 1))
            return null;
        return string.Join(',', result);
    }
}
