using System.Diagnostics;
using System.Text;
using Posthorn.EndToEnd.Tests.Support;
using Posthorn.Services.MailStore;

namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>
/// A running Posthorn with imapd on a free loopback port, a passwd-file user database written
/// here, and virtual Maildir mailboxes under the temporary directory (virtual_mailbox_base +
/// texthash virtual_mailbox_maps). Users u1..u20, alice and bob, all of example.com, password
/// "secret". Messages are placed with UserMailStore.Deliver; when the tests run as root the
/// mailboxes are handed to mail_owner, since the master drops to it.
/// </summary>
public sealed class ImapdSystem : IDisposable
{
    public const string Password = "secret";

    public ImapdSystem()
        : this(tls: false)
    {
    }

    /// <summary>With <paramref name="tls"/>, a self-signed certificate (openssl) for STARTTLS and an imaps service on <see cref="ImapsPort"/>.</summary>
    internal ImapdSystem(bool tls)
    {
        ImapPort = MailSystem.FreePort();
        ImapsPort = MailSystem.FreePort();
        var dir = Path.Combine(Path.GetTempPath(), "imapd-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        VmailDir = Path.Combine(dir, "vmail");
        Directory.CreateDirectory(VmailDir);
        var users = new StringBuilder();
        var map = new StringBuilder();
        foreach (var u in Enumerable.Range(1, 20).Select(i => "u" + i).Append("alice").Append("bob"))
        {
            users.Append($"{u}@example.com:{{PLAIN}}{Password}::::::\n");
            map.Append($"{u}@example.com example.com/{u}/\n");
        }
        File.WriteAllText(Path.Combine(dir, "users"), users.ToString());
        File.WriteAllText(Path.Combine(dir, "vmailbox"), map.ToString());
        ScratchDir = dir;
        var tlsMainCf = "";
        var imaps = "";
        if (tls)
        {
            var r = MailSystem.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", $"{dir}/key.pem", "-out", $"{dir}/cert.pem",
                "-days", "2", "-subj", "/CN=localhost"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            if (MailSystem.IsRoot)
                MailSystem.Run("chown", ["postfix", $"{dir}/key.pem", $"{dir}/cert.pem"]);
            tlsMainCf = $"imapd_tls_cert_file = {dir}/cert.pem\nimapd_tls_key_file = {dir}/key.pem\n";
            imaps = $"{ImapsPort} inet n - n - - imapd -o imapd_tls_wrappermode=yes\n";
        }
        System = new MailSystem(
            masterCf: $"{ImapPort} inet n - n - - imapd\n" + imaps,
            extraMainCf: $"posthorn_user_database = {dir}/users\nvirtual_mailbox_base = {VmailDir}\n"
                + $"virtual_mailbox_maps = texthash:{dir}/vmailbox\nimapd_login_failure_delay = 0s\n" + tlsMainCf);
        HandOver();
        Start();
    }

    public MailSystem System { get; }

    public int ImapPort { get; }

    public int ImapsPort { get; }

    public string VmailDir { get; }

    public string ScratchDir { get; }

    public void Start()
    {
        var r = System.Postfix("start");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.True(WaitForPort(), "imapd is not listening:\n" + System.Log);
    }

    public void Stop() => System.Postfix("stop");

    public bool WaitForPort()
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 15_000)
        {
            try
            {
                using var c = new System.Net.Sockets.TcpClient();
                c.Connect("127.0.0.1", ImapPort);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(100);
            }
        }
        return false;
    }

    public string MaildirOf(string user) => Path.Combine(VmailDir, "example.com", user) + "/";

    /// <summary>Delivers a message as virtual(8) would (LF line ends), into INBOX or a folder.</summary>
    public void Deliver(string user, string message, string? folder = null, DateTimeOffset? arrival = null)
    {
        var store = UserMailStore.For(MaildirOf(user));
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(message.Replace("\r\n", "\n")));
        store.Deliver(content, "sender@example.org", arrival ?? DateTimeOffset.Now, folder);
        HandOver();
    }

    /// <summary>Gives the mailboxes to mail_owner when running as root (the master runs as mail_owner).</summary>
    public void HandOver()
    {
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["-R", "postfix:postfix", VmailDir]);
    }

    /// <summary>Runs a Python script with imaplib; PORT, USER_PREFIX and a login(user) helper are defined first.</summary>
    public CommandResult Python(string script, int timeoutMs = 60_000)
    {
        var path = Path.Combine(ScratchDir, "t" + Guid.NewGuid().ToString("N")[..8] + ".py");
        File.WriteAllText(path, Prelude + script);
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            throw new TimeoutException("python did not finish: " + stdout.Result + stderr.Result);
        }
        return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a script and asserts it exited 0; returns its output.</summary>
    public string PythonOk(string script)
    {
        var r = Python(script);
        Assert.True(r.ExitCode == 0, $"python failed:\n{r.Stdout}\n{r.Stderr}\n--- maillog ---\n{Tail(System.Log)}");
        return r.Stdout;
    }

    public string Prelude => $$"""
        import imaplib, socket, sys, time, re
        PORT = {{ImapPort}}
        def login(user):
            m = imaplib.IMAP4('127.0.0.1', PORT)
            typ, data = m.login(user + '@example.com', '{{Password}}')
            assert typ == 'OK', data
            return m

        """;

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));

    public void Dispose()
    {
        System.Dispose();
        try
        {
            Directory.Delete(ScratchDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
