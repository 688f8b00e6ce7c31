using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// A running Posthorn with every delivery service of Postfix's default master.cf (smtpd on a
/// free loopback port, pickup, cleanup, qmgr, bounce, error, retry, discard, local, virtual),
/// local domains example.test and mail.example.test, aliases in DIR/aliases, mail_spool_directory
/// DIR/spool and short retry timers. Test users are real accounts (useradd, homes under
/// DIR/home) with unique names, removed on dispose; so these tests need root and return early
/// without it, as the privsep tests do.
/// </summary>
internal sealed class DeliveryLab : IDisposable
{
    private readonly List<string> _users = [];
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];

    private readonly string? _runAs;

    /// <param name="runAs">Runs the master as this user (no privsep: deliveries in-process as that user).</param>
    public DeliveryLab(string extraMainCf = "", string extraMasterCf = "", string aliases = "", string? runAs = null)
    {
        _runAs = runAs;
        SmtpPort = MailSystem.FreePort();
        var master = $"{SmtpPort} inet n - n - - smtpd\n" + MailSystem.QueueServices + """
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            local     unix  -       n       n       -       -       local
            virtual   unix  -       n       n       -       -       virtual
            """ + "\n" + extraMasterCf;
        Ms = new MailSystem(master, runAs);
        Dir = Ms.Dir;
        Directory.CreateDirectory(Spool);
        Chmod("1777", Spool);
        Directory.CreateDirectory(Path.Combine(Dir, "home"));
        File.WriteAllText(AliasesPath, aliases);
        File.AppendAllText(Path.Combine(Dir, "main.cf"), $"""
            compatibility_level = 3.6
            myhostname = mail.example.test
            mydomain = example.test
            myorigin = $mydomain
            mydestination = $myhostname, localhost, $mydomain
            mynetworks = 127.0.0.0/8
            alias_maps = hash:{AliasesPath}
            alias_database = hash:{AliasesPath}
            mail_spool_directory = {Spool}
            queue_run_delay = 1s
            minimal_backoff_time = 1s
            maximal_backoff_time = 2s
            """ + "\n" + extraMainCf);
    }

    /// <summary>Tests here need root (useradd, privsep); without it they return early.</summary>
    public static bool Available => MailSystem.IsRoot && File.Exists("/usr/sbin/useradd");

    public MailSystem Ms { get; }

    public string Dir { get; }

    public int SmtpPort { get; }

    public string Spool => Path.Combine(Dir, "spool");

    public string AliasesPath => Path.Combine(Dir, "aliases");

    public string Log => Ms.Log;

    public string Home(string user) => Path.Combine(Dir, "home", user);

    /// <summary>Creates a system account named <c>p{tag}{role}</c> with its home under DIR/home; returns the name.</summary>
    public string AddUser(string role)
    {
        var name = $"p{_tag}{role}";
        var home = Home(name);
        var r = MailSystem.Run("useradd", ["-M", "-d", home, "-s", "/bin/sh", name]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        _users.Add(name);
        Directory.CreateDirectory(home);
        MailSystem.Run("chown", [name + ":", home]);
        return name;
    }

    public void AppendMainCf(string text) => File.AppendAllText(Path.Combine(Dir, "main.cf"), text + "\n");

    /// <summary>newaliases (postalias over alias_database), then postfix start.</summary>
    public void Start()
    {
        var na = PosthornBin.Run("newaliases", ["-C", Dir]);
        Assert.True(na.ExitCode == 0, na.Stderr);
        if (_runAs is not null)
            MailSystem.Run("chown", ["-R", _runAs, Dir]);
        var start = Ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + Ms.Log);
    }

    /// <summary>
    /// One SMTP transaction on the lab's smtpd: MAIL FROM, RCPT TO each, DATA with the message
    /// (LF line ends become CRLF, dots are stuffed). Returns the queue id of "250 2.0.0 Ok: queued as ID".
    /// </summary>
    public string Send(string from, IEnumerable<string> to, string message, string mailParams = "", string rcptParams = "")
    {
        using var client = new TcpClient("127.0.0.1", SmtpPort);
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        string Reply()
        {
            string line;
            do
                line = reader.ReadLine() ?? throw new IOException("connection closed");
            while (line.Length > 3 && line[3] == '-');
            return line;
        }
        void Command(string cmd, char expect)
        {
            stream.Write(Encoding.Latin1.GetBytes(cmd + "\r\n"));
            var reply = Reply();
            Assert.True(reply[0] == expect, $"{cmd} -> {reply}");
        }
        Assert.StartsWith("220", Reply(), StringComparison.Ordinal);
        Command("EHLO client.example.test", '2');
        Command($"MAIL FROM:<{from}>{mailParams}", '2');
        foreach (var r in to)
            Command($"RCPT TO:<{r}>{rcptParams}", '2');
        Command("DATA", '3');
        var sb = new StringBuilder();
        foreach (var line in message.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
            sb.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
        sb.Append(".\r\n");
        stream.Write(Encoding.Latin1.GetBytes(sb.ToString()));
        var done = Reply();
        Assert.StartsWith("250", done, StringComparison.Ordinal);
        stream.Write("QUIT\r\n"u8);
        return done[(done.LastIndexOf(' ') + 1)..];
    }

    /// <summary>Submits through our sendmail (maildrop, pickup): <c>sendmail -C DIR -f FROM [options] TO...</c>.</summary>
    public void Sendmail(string from, IEnumerable<string> to, string message, params string[] options)
    {
        var r = PosthornBin.Run("sendmail", ["-C", Dir, "-f", from, .. options, .. to], stdin: message);
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    /// <summary>The reply to RCPT TO in a session that stops there (for rejections).</summary>
    public string RcptReply(string from, string rcpt)
    {
        using var client = new TcpClient("127.0.0.1", SmtpPort);
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        string Reply()
        {
            string line;
            do
                line = reader.ReadLine() ?? throw new IOException("connection closed");
            while (line.Length > 3 && line[3] == '-');
            return line;
        }
        Reply();
        foreach (var cmd in new[] { "EHLO client.example.test", $"MAIL FROM:<{from}>" })
        {
            stream.Write(Encoding.Latin1.GetBytes(cmd + "\r\n"));
            Reply();
        }
        stream.Write(Encoding.Latin1.GetBytes($"RCPT TO:<{rcpt}>\r\n"));
        var answer = Reply();
        stream.Write("QUIT\r\n"u8);
        return answer;
    }

    /// <summary>Runs a queue command on this configuration: mailq/sendmail take -C, the others -c.</summary>
    public CommandResult Queue(string command, params string[] args) =>
        PosthornBin.Run(command, [command is "mailq" or "sendmail" ? "-C" : "-c", Dir, .. args]);

    /// <summary>Writes a file owned by <paramref name="user"/> (a .forward, a script) with the given mode.</summary>
    public static void WriteOwned(string path, string text, string user, string mode = "644")
    {
        File.WriteAllText(path, text);
        MailSystem.Run("chown", [user + ":", path]);
        Chmod(mode, path);
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the time runs out; returns whether it held.</summary>
    public static bool WaitFor(Func<bool> condition, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
                return true;
            Thread.Sleep(100);
        }
        return condition();
    }

    /// <summary>The files in a Maildir's new/ directory (none when it does not exist yet).</summary>
    public static string[] MaildirNew(string maildir)
    {
        var d = Path.Combine(maildir, "new");
        return Directory.Exists(d) ? Directory.GetFiles(d) : [];
    }

    /// <summary>The text of a file, or "" when it does not exist.</summary>
    public static string ReadOrEmpty(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    /// <summary>Waits until the mbox holds at least <paramref name="count"/> messages (From_ lines) and returns its text.</summary>
    public string WaitForMbox(string path, int count = 1, int timeoutMs = 20_000)
    {
        WaitFor(() => MboxCount(ReadOrEmpty(path)) >= count, timeoutMs);
        var text = ReadOrEmpty(path);
        Assert.True(MboxCount(text) >= count, $"{path}: {MboxCount(text)} messages, expected {count}\n{Log}");
        return text;
    }

    public static int MboxCount(string text) =>
        text.Split('\n').Count(l => l.StartsWith("From ", StringComparison.Ordinal));

    public static void Chmod(string mode, string path) => MailSystem.Run("chmod", [mode, path]);

    public void Dispose()
    {
        Ms.Dispose();
        foreach (var u in _users)
            MailSystem.Run("userdel", [u]);
    }
}
