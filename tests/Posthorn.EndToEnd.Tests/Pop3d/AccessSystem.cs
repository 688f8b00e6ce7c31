using System.Net;
using System.Net.Sockets;
using System.Text;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>
/// A running Posthorn with pop3d (plain on 127.0.0.1 and 127.0.0.2, pop3s) and lmtpd (TCP and
/// the unix socket private/lmtp), a passwd-file user database with {PLAIN} and {SHA512-CRYPT}
/// users, virtual mailboxes under DIR/vmail, and a self-signed certificate made by openssl.
/// Python scripts (poplib, smtplib) run against it with <see cref="Python"/>.
/// </summary>
public sealed class AccessSystem : IDisposable
{
    public const string Sha512Password = "crypt-secret";

    public AccessSystem()
    {
        const string extraMainCf = "pop3d_banner = Dovecot ready.\n";
        Pop3Port = MailSystem.FreePort();
        Pop3sPort = MailSystem.FreePort();
        LmtpPort = MailSystem.FreePort();
        IdlePort = MailSystem.FreePort();
        var master = $"127.0.0.1:{Pop3Port} inet n - n - - pop3d\n" +
                     $"127.0.0.2:{Pop3Port} inet n - n - - pop3d\n" +
                     $"127.0.0.1:{Pop3sPort} inet n - n - - pop3d -o pop3d_tls_wrappermode=yes\n" +
                     $"127.0.0.1:{LmtpPort} inet n - n - - lmtpd\n" +
                     $"127.0.0.1:{IdlePort} inet n - n - - pop3d -o pop3d_timeout=2s\n" +
                     "lmtp unix - - n - - lmtpd\n";
        System = new MailSystem(master);
        Dir = System.Dir;
        Vmail = Path.Combine(Dir, "vmail");
        Directory.CreateDirectory(Vmail);
        var cert = Path.Combine(Dir, "cert.pem");
        var key = Path.Combine(Dir, "key.pem");
        var openssl = MailSystem.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"]);
        Assert.True(openssl.ExitCode == 0, openssl.Stderr);
        // The services run as mail_owner after the master drops root: the key must be readable to it.
        MailSystem.Run("chmod", ["0644", key]);
        var hash = PosthornBin.Run("posthorn", ["pw", "-s", "SHA512-CRYPT", "-p", Sha512Password]);
        Assert.True(hash.ExitCode == 0, hash.Stderr);
        var users = new StringBuilder();
        var maps = new StringBuilder();
        // The lecture's user: a bare name whose mail location comes from the entry's mail field.
        users.Append($"user1sld:{{PLAIN}}pippo::::::mail=maildir:{Vmail}/example.com/user1sld/\n");
        foreach (var u in (string[])["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank"])
        {
            users.Append($"{u}@example.com:{{PLAIN}}pippo::::::\n");
            maps.Append($"{u}@example.com example.com/{u}/\n");
        }
        users.Append($"crypt@example.com:{hash.Stdout.Trim()}::::::\n");
        maps.Append("crypt@example.com example.com/crypt/\n");
        // Hostile names: a database entry and a map result that try to leave the store.
        // An mbox user in a spool directory of its own.
        Spool = Path.Combine(Dir, "spool");
        Directory.CreateDirectory(Spool);
        users.Append($"mboxer:{{PLAIN}}pippo::::::mail=mbox:{Spool}/mboxer\n");
        users.Append("../evil@example.com:{PLAIN}pippo::::::\n");
        users.Append("sneaky@example.com:{PLAIN}pippo::::::\n");
        maps.Append("sneaky@example.com ../../outside/\n");
        UsersFile = Path.Combine(Dir, "users");
        File.WriteAllText(UsersFile, users.ToString());
        File.WriteAllText(Path.Combine(Dir, "vmailbox"), maps.ToString());
        File.AppendAllText(Path.Combine(Dir, "main.cf"),
            $"posthorn_user_database = {UsersFile}\n" +
            $"virtual_mailbox_base = {Vmail}\n" +
            $"virtual_mailbox_maps = texthash:{Dir}/vmailbox\n" +
            "virtual_mailbox_domains = example.com\n" +
            $"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\n" +
            "pop3d_login_failure_delay = 1s\n" + extraMainCf);
        if (MailSystem.IsRoot)
        {
            MailSystem.Run("chown", ["-R", "postfix", Vmail]);
            MailSystem.Run("chown", ["-R", "postfix", Spool]);
        }
        Start();
    }

    public MailSystem System { get; }

    public string Dir { get; }

    public string Vmail { get; }

    public string Spool { get; }

    public string UsersFile { get; }

    public int Pop3Port { get; }

    public int Pop3sPort { get; }

    public int LmtpPort { get; }

    /// <summary>A pop3d with pop3d_timeout = 2s.</summary>
    public int IdlePort { get; }

    public string LmtpSocket => Path.Combine(Dir, "queue", "private", "lmtp");

    public void Start()
    {
        var start = System.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr);
        Assert.True(WaitForPort(Pop3Port) && WaitForPort(LmtpPort) && WaitForPort(Pop3sPort), System.Log);
        for (int i = 0; i < 100 && !File.Exists(LmtpSocket); i++)
            Thread.Sleep(50);
    }

    public void Stop() => Assert.Equal(0, System.Postfix("stop").ExitCode);

    private static bool WaitForPort(int port)
    {
        for (int i = 0; i < 200; i++)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    /// <summary>Runs a python3 script with PORT, POP3S, LMTP, SOCK and DIR defined; returns its output.</summary>
    public CommandResult Python(string script)
    {
        var prelude = $"import poplib, smtplib, ssl, socket, time, base64, sys, os\nPORT={Pop3Port}\nPOP3S={Pop3sPort}\nLMTP={LmtpPort}\nSOCK={Quote(LmtpSocket)}\nDIR={Quote(Dir)}\n" +
                      "CTX = ssl.create_default_context(); CTX.check_hostname = False; CTX.verify_mode = ssl.CERT_NONE\n";
        var file = Path.Combine(Dir, "script-" + Guid.NewGuid().ToString("N")[..8] + ".py");
        File.WriteAllText(file, prelude + script);
        return MailSystem.Run("python3", [file]);
    }

    /// <summary>Delivers a message over LMTP (TCP) to the given recipients; returns the python output.</summary>
    public CommandResult DeliverLmtp(string message, params string[] recipients) => DeliverLmtpFrom("sender@example.org", message, recipients);

    /// <summary>Delivers a message over LMTP (TCP) with the given envelope sender.</summary>
    public CommandResult DeliverLmtpFrom(string sender, string message, params string[] recipients)
    {
        var rcpts = string.Join(", ", recipients.Select(Quote));
        return Python($"l = smtplib.LMTP('127.0.0.1', LMTP)\nprint(l.sendmail({Quote(sender)}, [{rcpts}], {Quote(message)}))\nl.quit()\n");
    }

    public static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal) + "'";

    /// <summary>Files in a user's Maildir (new and cur).</summary>
    public string[] MaildirFiles(string user)
    {
        var root = Path.Combine(Vmail, "example.com", user);
        return ((string[])["new", "cur"]).Select(d => Path.Combine(root, d)).Where(Directory.Exists).SelectMany(Directory.GetFiles).ToArray();
    }

    public void Dispose() => System.Dispose();
}
