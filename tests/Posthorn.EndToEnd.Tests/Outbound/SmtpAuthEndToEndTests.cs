using Posthorn.EndToEnd.Tests.Smtpd;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// SMTP client AUTH (SASL_README, "Enabling SASL authentication in the Postfix SMTP client"):
/// one Posthorn relays through `relayhost = [relay.test]:PORT` to a second Posthorn whose smtpd
/// offers AUTH and relays only for authenticated clients; credentials come from
/// smtp_sasl_password_maps keyed `[relay.test]:PORT`. PLAIN and LOGIN inside TLS; plaintext
/// mechanisms refused outside TLS by the default smtp_sasl_security_options; a wrong password
/// is deferred (smtp_sasl_auth_soft_bounce).
/// </summary>
public sealed class SmtpAuthEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("smtp-auth-e2e").FullName;

    public SmtpAuthEndToEndTests()
    {
        var r = MailSystem.Run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(_dir, "key.pem"),
            "-out", Path.Combine(_dir, "cert.pem"), "-days", "2", "-subj", "/CN=relay.test"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        File.WriteAllText(Path.Combine(_dir, "users"), "alice@example.test:{PLAIN}secret::::::\n");
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

    /// <summary>The relay: smtpd with STARTTLS and AUTH, relaying only for authenticated clients.</summary>
    private MailSystem Relay(out int port, bool authOnlyOverTls = true) => SmtpdEndToEndTests.Start(out port, $"""
        smtpd_tls_cert_file = {_dir}/cert.pem
        smtpd_tls_key_file = {_dir}/key.pem
        smtpd_tls_security_level = may
        smtpd_sasl_auth_enable = yes
        smtpd_tls_auth_only = {(authOnlyOverTls ? "yes" : "no")}
        posthorn_user_database = {_dir}/users
        smtpd_relay_restrictions = permit_sasl_authenticated, reject

        """);

    private static OutboundSystem Client(int relayPort, string extraMainCf, string password = "secret") =>
        new(["--host-record=relay.test,127.0.0.1"], $"""
            relayhost = [relay.test]:{relayPort}
            smtp_sasl_auth_enable = yes
            smtp_sasl_password_maps = texthash:$config_directory/sasl_passwd

            """ + extraMainCf,
            prepare: dir => File.WriteAllText(Path.Combine(dir, "sasl_passwd"), $"[relay.test]:{relayPort} alice@example.test:{password}\n"));

    [Fact]
    public void AUTH_PLAIN_inside_TLS_relays_through_an_authenticating_smtpd()
    {
        using var relay = Relay(out int port);
        using var sys = Client(port, "smtp_tls_security_level = encrypt\nsmtp_sasl_tls_security_options = noanonymous\n");
        sys.Submit("sender@local.test", ["friend@example.test"], "authenticated relay");

        Assert.True(sys.WaitForLog("status=sent"), sys.Log + relay.Log);
        sys.AssertLog($@"to=<friend@example\.test>, relay=relay\.test\[127\.0\.0\.1\]:{port}, .*status=sent \(250 2\.0\.0 Ok: queued as ");
        Assert.True(relay.WaitForLog("sasl_method=PLAIN, sasl_username=alice@example.test"), relay.Log);
    }

    [Fact]
    public void AUTH_LOGIN_when_the_mechanism_filter_allows_only_login()
    {
        using var relay = Relay(out int port);
        using var sys = Client(port, "smtp_tls_security_level = encrypt\nsmtp_sasl_tls_security_options = noanonymous\nsmtp_sasl_mechanism_filter = login\n");
        sys.Submit("sender@local.test", ["friend@example.test"], "login");

        Assert.True(sys.WaitForLog("status=sent"), sys.Log + relay.Log);
        Assert.True(relay.WaitForLog("sasl_method=LOGIN, sasl_username=alice@example.test"), relay.Log);
    }

    [Fact]
    public void Plaintext_mechanisms_are_not_used_outside_TLS_with_the_default_security_options()
    {
        using var relay = Relay(out int port, authOnlyOverTls: false);
        using var sys = Client(port, "smtp_tls_security_level = none\n");
        sys.Submit("sender@local.test", ["friend@example.test"], "no plaintext");

        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        sys.AssertLog(@"to=<friend@example\.test>, relay=relay\.test\[127\.0\.0\.1\]:\d+, .*dsn=4\.7\.0, status=deferred \(SASL authentication failed; cannot authenticate to server relay\.test\[127\.0\.0\.1\]: no mechanism available\)");
        Assert.DoesNotContain("sasl_method=", relay.Log, StringComparison.Ordinal);
        Assert.Equal(1, sys.QueuedCount());
    }

    [Fact]
    public void Plaintext_AUTH_outside_TLS_when_the_security_options_allow_it()
    {
        using var relay = Relay(out int port, authOnlyOverTls: false);
        using var sys = Client(port, "smtp_tls_security_level = none\nsmtp_sasl_security_options = noanonymous\n");
        sys.Submit("sender@local.test", ["friend@example.test"], "plaintext allowed");

        Assert.True(sys.WaitForLog("status=sent"), sys.Log + relay.Log);
        Assert.True(relay.WaitForLog("sasl_method=PLAIN, sasl_username=alice@example.test"), relay.Log);
    }

    [Fact]
    public void A_wrong_password_is_deferred_not_bounced()
    {
        using var relay = Relay(out int port);
        using var sys = Client(port, "smtp_tls_security_level = encrypt\nsmtp_sasl_tls_security_options = noanonymous\n", password: "wrong");
        sys.Submit("sender@local.test", ["friend@example.test"], "wrong password");

        Assert.True(sys.WaitForLog("status=deferred"), sys.Log + relay.Log);
        sys.AssertLog(@"dsn=4\.7\.8, status=deferred \(SASL authentication failed; server relay\.test\[127\.0\.0\.1\] said: 535 5\.7\.8 Error: authentication failed");
        Assert.Empty(sys.SenderMailbox());
        Assert.Equal(1, sys.QueuedCount());
    }

    [Fact]
    public void AUTH_enabled_without_a_password_table_is_reported_and_mail_waits()
    {
        using var sys = new OutboundSystem(["--host-record=relay.test,127.0.0.1"], "relayhost = [relay.test]:2\nsmtp_sasl_auth_enable = yes\n");
        Assert.True(sys.WaitForLog("specify a password table via the `smtp_sasl_password_maps' configuration parameter"), sys.Log);
        sys.Submit("sender@local.test", ["friend@example.test"], "no table");
        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        Assert.Equal(1, sys.QueuedCount());
    }
}
