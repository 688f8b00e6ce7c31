using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>
/// A whole running Posthorn for real mail clients: smtpd on an "smtp" port (AUTH allowed in
/// plaintext, Postfix's default smtpd_tls_auth_only = no) and a "submission" port
/// (smtpd_tls_auth_only = yes, SCRAM-SHA-256 offered too), qmgr and virtual delivering into
/// Maildirs under DIR/vmail, pop3d on 127.0.0.1 (a "secured" local connection), on 127.0.0.2
/// (plaintext logins refused until STLS, Dovecot's disable_plaintext_auth) and pop3s. Users:
/// {PLAIN}, {SCRAM-SHA-256} and {SHA512-CRYPT} ones. The self-signed certificate is made by openssl.
/// </summary>
public sealed class ClientsSystem : IDisposable
{
    public const string Password = "pippo";

    public ClientsSystem()
    {
        SmtpPort = MailSystem.FreePort();
        SubmissionPort = MailSystem.FreePort();
        Pop3Port = MailSystem.FreePort();
        Pop3sPort = MailSystem.FreePort();
        var master = $"127.0.0.1:{SmtpPort} inet n - n - - smtpd\n" +
                     $"127.0.0.1:{SubmissionPort} inet n - n - - smtpd -o syslog_name=posthorn/submission -o smtpd_tls_auth_only=yes " +
                     "-o posthorn_smtpd_sasl_mechanisms=PLAIN,LOGIN,SCRAM-SHA-256 -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n" +
                     $"127.0.0.1:{Pop3Port} inet n - n - - pop3d\n" +
                     $"127.0.0.2:{Pop3Port} inet n - n - - pop3d\n" +
                     $"127.0.0.1:{Pop3sPort} inet n - n - - pop3d -o pop3d_tls_wrappermode=yes\n" +
                     "qmgr unix n - n 300 1 qmgr\nvirtual unix - n n - - virtual\n";
        System = new MailSystem(master);
        Dir = System.Dir;
        Vmail = Path.Combine(Dir, "vmail");
        Directory.CreateDirectory(Vmail);
        CertFile = Path.Combine(Dir, "cert.pem");
        var key = Path.Combine(Dir, "key.pem");
        var openssl = MailSystem.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", CertFile, "-days", "2", "-subj", "/CN=localhost"]);
        Assert.True(openssl.ExitCode == 0, openssl.Stderr);
        MailSystem.Run("chmod", ["0644", key]);
        var crypt = PosthornBin.Run("posthorn", ["pw", "-s", "SHA512-CRYPT", "-p", Password]);
        var scram = PosthornBin.Run("posthorn", ["pw", "-s", "SCRAM-SHA-256", "-p", Password]);
        Assert.True(crypt.ExitCode == 0 && scram.ExitCode == 0, crypt.Stderr + scram.Stderr);
        var users = new StringBuilder();
        var maps = new StringBuilder();
        foreach (var u in (string[])["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank"])
        {
            users.Append($"{u}@example.com:{{PLAIN}}{Password}::::::\n");
            maps.Append($"{u}@example.com example.com/{u}/\n");
        }
        users.Append($"scram@example.com:{scram.Stdout.Trim()}::::::\n");
        maps.Append("scram@example.com example.com/scram/\n");
        users.Append($"crypt@example.com:{crypt.Stdout.Trim()}::::::\n");
        maps.Append("crypt@example.com example.com/crypt/\n");
        File.WriteAllText(Path.Combine(Dir, "users"), users.ToString());
        File.WriteAllText(Path.Combine(Dir, "vmailbox"), maps.ToString());
        var owner = MailSystem.IsRoot ? "postfix" : Environment.UserName;
        var uid = MailSystem.Run("id", ["-u", owner]).Stdout.Trim();
        File.AppendAllText(Path.Combine(Dir, "main.cf"),
            "myhostname = mail.example.test\nmydestination = localhost\nmynetworks = 127.0.0.0/8\ncompatibility_level = 3.6\n" +
            $"posthorn_user_database = {Dir}/users\n" +
            $"virtual_mailbox_domains = example.com\nvirtual_mailbox_base = {Vmail}\nvirtual_mailbox_maps = texthash:{Dir}/vmailbox\n" +
            $"virtual_uid_maps = static:{uid}\nvirtual_gid_maps = static:{uid}\nvirtual_minimum_uid = 1\n" +
            $"smtpd_tls_cert_file = {CertFile}\nsmtpd_tls_key_file = {key}\nsmtpd_tls_security_level = may\n" +
            "smtpd_sasl_auth_enable = yes\nsmtpd_tls_received_header = yes\n" +
            "pop3d_login_failure_delay = 1s\npop3d_sasl_mechanisms = PLAIN SCRAM-SHA-256\n");
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["-R", owner, Vmail]);
        var start = System.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + System.Log);
        Assert.True(WaitForPort(SmtpPort) && WaitForPort(SubmissionPort) && WaitForPort(Pop3Port) && WaitForPort(Pop3sPort), System.Log);
    }

    public MailSystem System { get; }

    public string Dir { get; }

    public string Vmail { get; }

    public string CertFile { get; }

    public int SmtpPort { get; }

    public int SubmissionPort { get; }

    public int Pop3Port { get; }

    public int Pop3sPort { get; }

    /// <summary>Files in a user's Maildir (new and cur).</summary>
    public string[] MaildirFiles(string user)
    {
        var root = Path.Combine(Vmail, "example.com", user);
        return ((string[])["new", "cur"]).Select(d => Path.Combine(root, d)).Where(Directory.Exists).SelectMany(Directory.GetFiles).ToArray();
    }

    /// <summary>Waits until the user's Maildir holds <paramref name="count"/> messages (delivery is asynchronous).</summary>
    public bool WaitForMessages(string user, int count, int timeoutMs = 30_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (MaildirFiles(user).Length >= count)
                return true;
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>The certificate's fingerprint as openssl prints it (e.g. "SHA256", "MD5"): upper-case hex pairs joined by colons.</summary>
    public string Fingerprint(string digest)
    {
        var r = MailSystem.Run("openssl", ["x509", "-noout", "-fingerprint", "-" + digest.ToLowerInvariant(), "-in", CertFile]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout.Trim().Split('=', 2)[1];
    }

    /// <summary>Pins the test's self-signed certificate (clients check it instead of a CA chain).</summary>
    public bool IsTestCertificate(X509Certificate? presented)
    {
        if (presented is null)
            return false;
        using var expected = X509CertificateLoader.LoadCertificateFromFile(CertFile);
        return presented.GetCertHash().AsSpan().SequenceEqual(expected.GetCertHash());
    }

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

    public void Dispose() => System.Dispose();
}
