using System.Diagnostics;
using System.Globalization;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// A running Posthorn for the outbound tests (issue 6): smtpd on a free loopback port for
/// submission, qmgr, cleanup, bounce, smtp, lmtp, error, discard and virtual (the sender's
/// mailbox <c>sender@local.test</c> receives the bounces), a dnsmasq name server for the test
/// zones, <c>smtp_tcp_port</c> set to a free port where the tests' receivers listen on 127.0.6.x,
/// and short smtp_*_timeout values. Started by root, the master runs as <c>nobody</c> so that
/// pipe commands may run as that user (pipe(8) refuses root and mail_owner).
/// </summary>
internal sealed class OutboundSystem : IDisposable
{
    private readonly MailSystem _ms;
    private readonly Dnsmasq _dns;

    public OutboundSystem(IEnumerable<string> dnsRecords, string extraMainCf = "", string extraMasterCf = "",
        string transport = "", int? remotePort = null, Action<string>? prepare = null)
    {
        _dns = new Dnsmasq(dnsRecords);
        SubmitPort = MailSystem.FreePort();
        RemotePort = remotePort ?? MailSystem.FreePort();
        var master = $"{SubmitPort} inet n - n - - smtpd\n" + MailSystem.QueueServices + """
            smtp      unix  -       -       n       -       -       smtp
            lmtp      unix  -       -       n       -       -       lmtp
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            virtual   unix  -       n       n       -       -       virtual

            """ + extraMasterCf;
        _ms = new MailSystem(master, runAs: MailSystem.IsRoot ? User : null);
        var uid = MailSystem.Run("id", ["-u", User]).Stdout.Trim();
        var gid = MailSystem.Run("id", ["-g", User]).Stdout.Trim();
        Directory.CreateDirectory(Vmail);
        File.WriteAllText(Path.Combine(Dir, "vmailbox"), "sender@local.test local.test/sender/\n");
        File.WriteAllText(Path.Combine(Dir, "transport"), transport);
        File.AppendAllText(Path.Combine(Dir, "main.cf"), $"""
            myhostname = posthorn.test
            mydomain = posthorn.test
            myorigin = posthorn.test
            mydestination =
            mynetworks = 127.0.0.0/8
            compatibility_level = 3.6
            virtual_mailbox_domains = local.test
            virtual_mailbox_base = {Vmail}
            virtual_mailbox_maps = texthash:{Dir}/vmailbox
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{gid}
            virtual_minimum_uid = 1
            transport_maps = texthash:{Dir}/transport
            smtp_tcp_port = {RemotePort}
            smtp_connect_timeout = 2s
            smtp_helo_timeout = 3s
            smtp_mail_timeout = 2s
            smtp_rcpt_timeout = 2s
            smtp_data_init_timeout = 2s
            smtp_data_xfer_timeout = 2s
            smtp_data_done_timeout = 3s
            smtp_connection_cache_on_demand = no
            lmtp_connection_cache_on_demand = no
            minimal_backoff_time = 300s
            maximal_backoff_time = 600s
            delay_warning_time = 0h

            """ + _dns.MainCf + extraMainCf + "\n");
        prepare?.Invoke(Dir);
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["-R", User, Dir]);
        var start = _ms.Postfix("start");
        if (start.ExitCode != 0)
            throw new InvalidOperationException("postfix start: " + start.Stderr + _ms.Log);
        if (!_ms.WaitForLog("daemon started"))
            throw new InvalidOperationException("master did not start: " + _ms.Log);
    }

    /// <summary>The user the master (and pipe commands) run as: nobody under root, else the current user.</summary>
    public static string User => MailSystem.IsRoot ? "nobody" : Environment.UserName;

    public string Dir => _ms.Dir;

    public int SubmitPort { get; }

    /// <summary>smtp_tcp_port: where the tests' SMTP receivers listen.</summary>
    public int RemotePort { get; }

    public string Vmail => Path.Combine(Dir, "vmail");

    public string Log => _ms.Log;

    public bool WaitForLog(string text, int timeoutMs = 20_000) => _ms.WaitForLog(text, timeoutMs);

    /// <summary>Asserts that the log matches the regular expression; the failure message is the whole log.</summary>
    public void AssertLog(string pattern)
    {
        var log = Log;
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(log, pattern), "pattern not in the log: " + pattern + "\n" + log);
    }

    /// <summary>Waits until the log has <paramref name="count"/> occurrences of the text.</summary>
    public bool WaitForCount(string text, int count, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (MailSystem.Count(Log, text) >= count)
                return true;
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>Submits a message through smtpd with swaks; returns swaks' transcript.</summary>
    public string Submit(string from, IEnumerable<string> to, string subject = "outbound test", string body = "hello",
        IEnumerable<string>? headers = null)
    {
        var args = new List<string> { "--server", $"127.0.0.1:{SubmitPort}", "--from", from, "--to", string.Join(',', to),
            "--header", "Subject: " + subject, "--body", body, "--timeout", "20" };
        foreach (var h in headers ?? [])
            args.AddRange(["--add-header", h]);
        var r = MailSystem.Run("swaks", args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("swaks failed: " + r.Stdout + r.Stderr);
        return r.Stdout;
    }

    /// <summary>Submits raw message text (headers and body, LF line ends) through smtpd.</summary>
    public void SubmitData(string from, IEnumerable<string> to, string data)
    {
        var file = Path.Combine(Dir, "data-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, data.Replace("\n", "\r\n", StringComparison.Ordinal));
        var r = MailSystem.Run("swaks", ["--server", $"127.0.0.1:{SubmitPort}", "--from", from, "--to", string.Join(',', to),
            "--data", file, "--timeout", "20"]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("swaks failed: " + r.Stdout + r.Stderr);
    }

    /// <summary>`postqueue -f`: deferred mail is tried again now.</summary>
    public void Flush()
    {
        var r = PosthornBin.Run("postqueue", ["-c", Dir, "-f"]);
        if (r.ExitCode != 0)
            throw new InvalidOperationException("postqueue -f: " + r.Stderr);
    }

    /// <summary>The messages in the virtual mailbox sender@local.test (bounces come here).</summary>
    public IReadOnlyList<string> SenderMailbox()
    {
        var dir = Path.Combine(Vmail, "local.test", "sender", "new");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList() : [];
    }

    /// <summary>Waits until the sender's mailbox holds at least <paramref name="count"/> messages.</summary>
    public IReadOnlyList<string> WaitForSenderMail(int count, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (SenderMailbox().Count < count && sw.ElapsedMilliseconds < timeoutMs)
            Thread.Sleep(100);
        return SenderMailbox();
    }

    /// <summary>Queue files left in incoming, active and deferred.</summary>
    public int QueuedCount() =>
        new[] { "incoming", "active", "deferred" }.Select(q => Path.Combine(Dir, "queue", q))
            .Where(Directory.Exists).Sum(q => Directory.EnumerateFiles(q, "*", SearchOption.AllDirectories).Count());

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _ms.Dispose();
        _dns.Dispose();
    }
}
