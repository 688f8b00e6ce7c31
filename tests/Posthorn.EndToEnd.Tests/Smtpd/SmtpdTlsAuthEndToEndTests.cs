using System.Diagnostics;
using System.Globalization;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Smtpd;

/// <summary>
/// STARTTLS and SMTP AUTH in a running Posthorn, with a self-signed certificate made by openssl:
/// swaks --tls --auth, openssl s_client -starttls smtp, python smtplib starttls()+login(), the
/// STARTTLS injection attack, and implicit TLS (smtpd_tls_wrappermode).
/// </summary>
public sealed class SmtpdTlsAuthEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("smtpd-tls-e2e").FullName;

    public SmtpdTlsAuthEndToEndTests()
    {
        var r = MailSystem.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(_dir, "key.pem"),
            "-out", Path.Combine(_dir, "cert.pem"), "-days", "2", "-subj", "/CN=localhost"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        File.WriteAllText(Path.Combine(_dir, "users"), "alice@example.test:{PLAIN}secret::::::\n");
        // smtpd runs as mail_owner: the test files must be readable to it.
        Assert.Equal(0, MailSystem.Run("chmod", ["-R", "a+rX", _dir]).ExitCode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private string TlsAuthConfig => $"""
        smtpd_tls_cert_file = {_dir}/cert.pem
        smtpd_tls_key_file = {_dir}/key.pem
        smtpd_tls_security_level = may
        smtpd_sasl_auth_enable = yes
        smtpd_tls_auth_only = yes
        posthorn_user_database = {_dir}/users
        smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
        smtpd_tls_received_header = yes

        """;

    private static string P(int port) => port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Swaks_tls_auth_plain_relays_to_a_remote_domain()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        var r = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", P(port), "--tls", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", "secret",
            "--from", "alice@example.test", "--to", "someone@remote.example", "--helo", "client.example.org"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + ms.Log);
        Assert.Contains("<~  235 2.7.0 Authentication successful", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("<~  250 2.0.0 Ok: queued as ", r.Stdout, StringComparison.Ordinal);
        Assert.True(ms.WaitForLog("sasl_method=PLAIN, sasl_username=alice@example.test"), ms.Log);
        Assert.Matches(@"Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.[23] with cipher", ms.Log);
    }

    [Fact]
    public void Auth_is_refused_in_plaintext_when_tls_auth_only()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        using var c = new SmtpdEndToEndTests.Conversation(port);
        c.Reply();
        var ehlo = c.Command("EHLO client.example.org");
        Assert.Contains("250-STARTTLS", ehlo, StringComparison.Ordinal);
        Assert.DoesNotContain("AUTH", ehlo, StringComparison.Ordinal);
        Assert.Equal("504 5.5.4 Encryption required for requested authentication mechanism", c.Command("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ="));
        Assert.Equal("250 2.1.0 Ok", c.Command("MAIL FROM:<alice@example.test>"));
        Assert.StartsWith("554 5.7.1 <someone@remote.example>: Relay access denied", c.Command("RCPT TO:<someone@remote.example>"), StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_password_is_535()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        var r = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", P(port), "--tls", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", "wrong",
            "--from", "alice@example.test", "--to", "someone@remote.example", "--helo", "client.example.org"]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("535 5.7.8 Error: authentication failed: authentication failure", r.Stdout, StringComparison.Ordinal);
        Assert.True(ms.WaitForLog("SASL PLAIN authentication failed"), ms.Log);
    }

    [Fact]
    public async Task Openssl_s_client_starttls_completes_the_handshake()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        var psi = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "s_client", "-starttls", "smtp", "-connect", $"127.0.0.1:{P(port)}", "-ign_eof" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write("EHLO client.example.org\r\nQUIT\r\n");
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(30_000);
        await p.WaitForExitAsync(cts.Token);
        var output = await stdout;
        Assert.Contains("Cipher is", output, StringComparison.Ordinal);
        Assert.Contains("250-AUTH PLAIN LOGIN", output, StringComparison.Ordinal);
        Assert.Contains("221 2.0.0 Bye", output, StringComparison.Ordinal);
        _ = await stderr;
    }

    [Fact]
    public void Python_smtplib_starttls_and_login_send_mail()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        var script = $$"""
            import smtplib, ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = smtplib.SMTP("127.0.0.1", {{port}}, timeout=20)
            s.ehlo("client.example.org")
            assert not s.has_extn("auth")
            s.starttls(context=ctx)
            s.ehlo("client.example.org")
            assert s.has_extn("auth") and not s.has_extn("starttls")
            s.login("alice@example.test", "secret")
            refused = s.sendmail("alice@example.test", ["someone@remote.example"], "Subject: py\r\n\r\nover TLS\r\n")
            assert refused == {}, refused
            s.quit()
            print("done")
            """;
        var r = SmtpdEndToEndTests.RunPython(script);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + ms.Log);
        Assert.Contains("done", r.Stdout, StringComparison.Ordinal);
        Assert.True(ms.WaitForLog("sasl_method=LOGIN, sasl_username=alice@example.test") || ms.WaitForLog("sasl_method=PLAIN, sasl_username=alice@example.test"), ms.Log);
    }

    [Fact]
    public void StartTls_injection_is_not_executed()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, TlsAuthConfig);
        var script = $$"""
            import socket, ssl
            sock = socket.create_connection(("127.0.0.1", {{port}}), timeout=20)
            f = sock.makefile("rb")
            def reply(f):
                lines = []
                while True:
                    line = f.readline().decode()
                    lines.append(line.rstrip("\r\n"))
                    if len(line) < 4 or line[3] != "-":
                        return lines
            reply(f)
            sock.sendall(b"EHLO client.example.org\r\n")
            reply(f)
            sock.sendall(b"STARTTLS\r\nRSET\r\n")
            assert reply(f) == ["220 2.0.0 Ready to start TLS"]
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            tls = ctx.wrap_socket(sock)
            g = tls.makefile("rb")
            tls.sendall(b"EHLO client.example.org\r\n")
            first = reply(g)
            assert first[0].startswith("250-mail.example.test"), first
            tls.sendall(b"QUIT\r\n")
            assert reply(g) == ["221 2.0.0 Bye"]
            print("done")
            """;
        var r = SmtpdEndToEndTests.RunPython(script);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + ms.Log);
        Assert.True(ms.WaitForLog("disconnect from localhost[127.0.0.1] ehlo=2 starttls=1 quit=1 commands=4"), ms.Log);
        Assert.DoesNotContain("rset=", ms.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrapper_mode_submissions_takes_tls_from_the_first_byte()
    {
        int port = MailSystem.FreePort();
        using var ms = new MailSystem($"{port} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n", extraMainCf: SmtpdEndToEndTests.MainCf + TlsAuthConfig);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var r = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", P(port), "--tlsc", "--auth", "PLAIN",
            "--auth-user", "alice@example.test", "--auth-password", "secret",
            "--from", "alice@example.test", "--to", "someone@remote.example", "--helo", "client.example.org"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr + ms.Log);
        Assert.Contains("<~  235 2.7.0 Authentication successful", r.Stdout, StringComparison.Ordinal);
    }
}
