using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>
/// Issue 7's real clients against one running Posthorn: MailKit's SmtpClient and Pop3Client
/// (STARTTLS, AUTH PLAIN and SCRAM-SHA-256), swaks --auth with and without TLS, mpop (STLS,
/// certificate fingerprint) and fetchmail (pop3s, into an mda): mail submitted over SMTP is read
/// and deleted over POP3.
/// </summary>
public sealed class ClientsTests : IClassFixture<ClientsSystem>
{
    private readonly ClientsSystem _s;

    public ClientsTests(ClientsSystem system) => _s = system;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static MimeMessage Message(string from, string to, string subject, string body = "hello")
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse(to));
        m.Subject = subject;
        m.Body = new TextPart("plain") { Text = body };
        return m;
    }

    private SmtpClient Submission()
    {
        var smtp = new SmtpClient { ServerCertificateValidationCallback = (_, cert, _, _) => _s.IsTestCertificate(cert), Timeout = 20_000 };
        smtp.Connect("127.0.0.1", _s.SubmissionPort, SecureSocketOptions.StartTls);
        return smtp;
    }

    private Pop3Client Pop3(string host = "127.0.0.1", SecureSocketOptions security = SecureSocketOptions.StartTls)
    {
        var pop = new Pop3Client { ServerCertificateValidationCallback = (_, cert, _, _) => _s.IsTestCertificate(cert), Timeout = 20_000 };
        pop.Connect(host, _s.Pop3Port, security);
        return pop;
    }

    /// <summary>Sends one message into the system over the smtp port (no AUTH needed for a local virtual user).</summary>
    private void Deliver(string to, string subject)
    {
        var r = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", P(_s.SmtpPort), "--from", "sender@example.org", "--to", to,
            "--helo", "client.example.org", "--header", "Subject: " + subject, "--body", "body of " + subject]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + _s.System.Log);
    }

    [Fact]
    public void MailKit_submits_after_STARTTLS_with_AUTH_and_Pop3Client_reads_it_DELE_kept_on_drop_removed_on_QUIT()
    {
        using (var plain = new SmtpClient { Timeout = 20_000 })
        {
            plain.Connect("127.0.0.1", _s.SubmissionPort, SecureSocketOptions.None);
            Assert.Empty(plain.AuthenticationMechanisms);
            Assert.Throws<NotSupportedException>(() => plain.Authenticate("alice@example.com", ClientsSystem.Password));
            plain.Disconnect(true);
        }
        using (var smtp = Submission())
        {
            Assert.True(smtp.IsSecure);
            Assert.Superset(new HashSet<string> { "PLAIN", "LOGIN", "SCRAM-SHA-256" }, smtp.AuthenticationMechanisms);
            smtp.Authenticate("alice@example.com", ClientsSystem.Password);
            smtp.Send(Message("alice@example.com", "bob@example.com", "from MailKit"));
            smtp.Disconnect(true);
        }
        Assert.True(_s.System.WaitForLog("sasl_method=SCRAM-SHA-256, sasl_username=alice@example.com"), _s.System.Log);
        Assert.True(_s.WaitForMessages("bob", 1), _s.System.Log);

        using (var pop = Pop3("127.0.0.2"))
        {
            Assert.True(pop.IsSecure);
            pop.Authenticate("bob@example.com", ClientsSystem.Password);
            Assert.Equal(1, pop.Count);
            var message = pop.GetMessage(0);
            Assert.Equal("from MailKit", message.Subject);
            Assert.Equal("hello", message.TextBody?.Trim());
            Assert.Matches("^[0-9a-f]{16}$", pop.GetMessageUid(0));
            pop.DeleteMessage(0);
            pop.Disconnect(false); // dropped: no QUIT, nothing deleted
        }
        Assert.Single(_s.MaildirFiles("bob"));
        using (var pop = Pop3("127.0.0.2"))
        {
            pop.Authenticate("bob@example.com", ClientsSystem.Password);
            Assert.Equal(1, pop.Count);
            pop.DeleteMessage(0);
            pop.Disconnect(true);
        }
        Assert.Empty(_s.MaildirFiles("bob"));
    }

    [Fact]
    public void MailKit_logs_in_a_user_with_stored_SCRAM_SHA_256_keys_over_SMTP_and_POP3()
    {
        using (var smtp = Submission())
        {
            smtp.Authenticate("scram@example.com", ClientsSystem.Password);
            smtp.Send(Message("scram@example.com", "scram@example.com", "scram to self"));
            smtp.Disconnect(true);
        }
        Assert.True(_s.System.WaitForLog("sasl_method=SCRAM-SHA-256, sasl_username=scram@example.com"), _s.System.Log);
        Assert.True(_s.WaitForMessages("scram", 1), _s.System.Log);
        using (var pop = Pop3())
        {
            Assert.Contains("SCRAM-SHA-256", pop.AuthenticationMechanisms);
            pop.Authenticate("scram@example.com", ClientsSystem.Password);
            Assert.Equal("scram to self", pop.GetMessage(0).Subject);
            pop.Disconnect(true);
        }
        Assert.True(_s.System.WaitForLog("Login: user=<scram@example.com>, method=SCRAM-SHA-256"), _s.System.Log);
        using (var smtp = Submission())
        {
            Assert.Throws<AuthenticationException>(() => smtp.Authenticate("scram@example.com", "wrong"));
        }
    }

    [Fact]
    public void MailKit_Pop3Client_cannot_send_a_password_in_plaintext_but_SCRAM_works_and_a_wrong_password_fails_after_the_delay()
    {
        using (var pop = Pop3("127.0.0.2", SecureSocketOptions.None))
        {
            // Dovecot's disable_plaintext_auth: only the mechanisms that do not reveal the password are offered.
            Assert.False(pop.IsSecure);
            Assert.Equal(["SCRAM-SHA-256"], pop.AuthenticationMechanisms);
            Assert.Throws<AuthenticationException>(() => pop.Authenticate(new SaslMechanismPlain("erin@example.com", ClientsSystem.Password)));
            Assert.Throws<AuthenticationException>(() => pop.Authenticate(new SaslMechanismLogin("erin@example.com", ClientsSystem.Password)));
            pop.Authenticate("erin@example.com", ClientsSystem.Password);
            Assert.Equal(0, pop.Count);
            pop.Disconnect(true);
        }
        Assert.True(_s.System.WaitForLog("Login: user=<erin@example.com>, method=SCRAM-SHA-256, rip=127.0.0.1, lip=127.0.0.2"), _s.System.Log);
        using (var pop = Pop3())
        {
            var sw = Stopwatch.StartNew();
            Assert.Throws<AuthenticationException>(() => pop.Authenticate("erin@example.com", "wrong"));
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 15);
        }
        Assert.True(_s.System.WaitForLog("Disconnected (auth failed, "), _s.System.Log);
        Assert.True(Regex.IsMatch(_s.System.Log, @"Disconnected \(auth failed, \d attempts in \d+ secs\): user=<erin@example.com>, method=[A-Z0-9-]+, rip=127.0.0.1, lip=127.0.0.1, TLS"), _s.System.Log);
    }

    [Fact]
    public void Swaks_auth_works_with_TLS_and_is_refused_without_it_on_submission_but_not_on_smtp()
    {
        string[] Args(int port, string user, params string[] extra) =>
            ["--server", "127.0.0.1", "--port", P(port), "--auth-user", user, "--auth-password", ClientsSystem.Password,
             "--from", user, "--to", "frank@example.com", "--helo", "client.example.org", .. extra];
        var tls = MailSystem.Run("swaks", Args(_s.SubmissionPort, "crypt@example.com", "--tls", "--auth", "PLAIN"));
        Assert.True(tls.ExitCode == 0, tls.Stdout + tls.Stderr);
        Assert.Contains("<~  235 2.7.0 Authentication successful", tls.Stdout, StringComparison.Ordinal);

        var plaintext = MailSystem.Run("swaks", Args(_s.SubmissionPort, "alice@example.com", "--auth", "PLAIN"));
        Assert.NotEqual(0, plaintext.ExitCode);
        Assert.DoesNotContain("235 ", plaintext.Stdout, StringComparison.Ordinal);
        Assert.Contains("Host did not advertise authentication", plaintext.Stdout + plaintext.Stderr, StringComparison.Ordinal);

        // Postfix's default smtpd_tls_auth_only = no: the smtp port takes AUTH without TLS.
        var smtp = MailSystem.Run("swaks", Args(_s.SmtpPort, "alice@example.com", "--auth", "LOGIN"));
        Assert.True(smtp.ExitCode == 0, smtp.Stdout + smtp.Stderr);
        Assert.Contains("<-  235 2.7.0 Authentication successful", smtp.Stdout, StringComparison.Ordinal);
        Assert.True(_s.System.WaitForLog("sasl_method=LOGIN, sasl_username=alice@example.com"), _s.System.Log);
    }

    [Fact]
    public void Mpop_fetches_over_STLS_checking_the_certificate_fingerprint_and_deletes_what_it_fetched()
    {
        Deliver("carol@example.com", "for mpop one");
        Deliver("carol@example.com", "for mpop two");
        Assert.True(_s.WaitForMessages("carol", 2), _s.System.Log);
        var work = Directory.CreateTempSubdirectory("mpop").FullName;
        try
        {
            var mbox = Path.Combine(work, "mbox");
            var conf = Path.Combine(work, "mpoprc");
            File.WriteAllText(conf, $"""
                account default
                host 127.0.0.1
                port {P(_s.Pop3Port)}
                tls on
                tls_starttls on
                tls_fingerprint {_s.Fingerprint("SHA256")}
                auth user
                user carol@example.com
                password {ClientsSystem.Password}
                delivery mbox {mbox}
                uidls_file {work}/uidls
                keep off
                """ + "\n");
            MailSystem.Run("chmod", ["0600", conf]);
            var r = MailSystem.Run("mpop", ["-C", conf, "--half-quiet"]);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + _s.System.Log);
            var text = File.ReadAllText(mbox);
            Assert.Contains("Subject: for mpop one", text, StringComparison.Ordinal);
            Assert.Contains("Subject: for mpop two", text, StringComparison.Ordinal);
            Assert.Empty(_s.MaildirFiles("carol"));
            Assert.True(_s.System.WaitForLog("Login: user=<carol@example.com>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, TLS"), _s.System.Log);
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    [Fact]
    public void Fetchmail_fetches_over_pop3s_into_an_mda_and_deletes_what_it_fetched()
    {
        Deliver("dave@example.com", "for fetchmail");
        Assert.True(_s.WaitForMessages("dave", 1), _s.System.Log);
        var work = Directory.CreateTempSubdirectory("fetchmail").FullName;
        try
        {
            var rc = Path.Combine(work, "fetchmailrc");
            var outFile = Path.Combine(work, "delivered");
            File.WriteAllText(rc, $"""
                set no syslog
                poll 127.0.0.1 service {P(_s.Pop3sPort)} protocol pop3 auth password
                  user "dave@example.com" password "{ClientsSystem.Password}"
                  ssl sslcertck sslcertfile "{_s.CertFile}" sslcommonname localhost sslfingerprint "{_s.Fingerprint("MD5")}"
                  mda "cat >> {outFile}"
                """ + "\n");
            MailSystem.Run("chmod", ["0600", rc]);
            var r = MailSystem.Run("env", [$"HOME={work}", "fetchmail", "-f", rc, "-i", Path.Combine(work, "ids"), "--nodetach", "-v"]);
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + _s.System.Log);
            Assert.Contains("Subject: for fetchmail", File.ReadAllText(outFile), StringComparison.Ordinal);
            Assert.Empty(_s.MaildirFiles("dave"));
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
