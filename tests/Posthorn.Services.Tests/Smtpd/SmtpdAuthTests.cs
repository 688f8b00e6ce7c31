using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>SMTP AUTH (RFC 4954) in smtpd over in-memory pipes: smtpd_sasl_auth_enable, replies as Postfix's.</summary>
public sealed class SmtpdAuthTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static SmtpdFixture Fixture(string extra = "")
    {
        var dir = Directory.CreateTempSubdirectory("smtpd-users").FullName;
        var users = Path.Combine(dir, "users");
        File.WriteAllText(users, "alice@example.com:{PLAIN}secret::::::\n");
        return new SmtpdFixture($"""
            smtpd_sasl_auth_enable = yes
            posthorn_user_database = {users}
            smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
            {extra}
            """);
    }

    [Fact]
    public async Task Auth_is_not_offered_or_accepted_by_default()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        Assert.DoesNotContain("AUTH", await c.CommandAsync("EHLO client.example.org"));
        Assert.Equal("503 5.5.1 Error: authentication not enabled", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
    }

    [Fact]
    public async Task Plain_with_initial_response_authenticates_and_relays()
    {
        using var f = Fixture();
        await using var c = f.Connect("192.0.2.7");
        await c.ReadReplyAsync();
        var ehlo = await c.CommandAsync("EHLO client.example.org");
        Assert.Contains("250-AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("AUTH=", ehlo);
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<alice@example.com>"));
        Assert.StartsWith("554 5.7.1", await c.CommandAsync("RCPT TO:<bob@remote.example>"));
        Assert.Equal("250 2.0.0 Ok", await c.CommandAsync("RSET"));
        Assert.Equal("235 2.7.0 Authentication successful", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
        Assert.Equal("503 5.5.1 Error: already authenticated", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<alice@example.com> AUTH=alice@example.com"));
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@remote.example>"));
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>", await c.CommandAsync("DATA"));
        await c.SendAsync("Subject: hi\r\n\r\nbody\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await c.CommandAsync("."));
        await c.CommandAsync("QUIT");
        await c.Run;
        Assert.Matches(@"client=unknown\[192\.0\.2\.7\], sasl_method=PLAIN, sasl_username=alice@example\.com", f.Log);
        var file = Assert.Single(f.Files());
        var read = QueueFileReader.Read(file);
        using var content = new StreamReader(read.File!.OpenContent());
        var text = content.ReadToEnd();
        Assert.Contains("with ESMTPA id", text);
        var raw = Encoding.Latin1.GetString(File.ReadAllBytes(file));
        Assert.Contains("sasl_method=PLAIN", raw);
        Assert.Contains("sasl_username=alice@example.com", raw);
        Assert.DoesNotContain("Authenticated sender", text);
    }

    [Fact]
    public async Task Authenticated_header_when_smtpd_sasl_authenticated_header_is_yes()
    {
        using var f = Fixture("smtpd_sasl_authenticated_header = yes");
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("334 ", await c.CommandAsync("AUTH PLAIN"));
        Assert.Equal("235 2.7.0 Authentication successful", await c.CommandAsync(B64("\0alice@example.com\0secret")));
        await c.CommandAsync("MAIL FROM:<alice@example.com>");
        await c.CommandAsync("RCPT TO:<bob@remote.example>");
        await c.CommandAsync("DATA");
        await c.SendAsync("Subject: hi\r\n\r\nbody\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await c.CommandAsync("."));
        await c.CommandAsync("QUIT");
        await c.Run;
        var read = QueueFileReader.Read(Assert.Single(f.Files()));
        using var content = new StreamReader(read.File!.OpenContent());
        Assert.Contains("(Authenticated sender: alice@example.com)", content.ReadToEnd());
    }

    [Fact]
    public async Task Login_exchange_sends_334_challenges()
    {
        using var f = Fixture();
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("334 VXNlcm5hbWU6", await c.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await c.CommandAsync(B64("alice@example.com")));
        Assert.Equal("235 2.7.0 Authentication successful", await c.CommandAsync(B64("secret")));
    }

    [Fact]
    public async Task Wrong_password_is_535_and_logged()
    {
        using var f = Fixture();
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("535 5.7.8 Error: authentication failed: authentication failure",
            await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0wrong")));
        Assert.Equal("535 5.7.8 Error: authentication failed: authentication failure",
            await c.CommandAsync("AUTH PLAIN " + B64("\0nobody@example.com\0secret")));
        await c.CommandAsync("QUIT");
        await c.Run;
        Assert.Contains("warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: authentication failure", f.Log);
        Assert.Contains("auth=0/2", f.Log);
    }

    [Fact]
    public async Task Star_cancels_the_exchange()
    {
        using var f = Fixture();
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example.org");
        Assert.Equal("334 ", await c.CommandAsync("AUTH PLAIN"));
        Assert.Equal("501 5.7.0 Authentication aborted", await c.CommandAsync("*"));
        await c.CommandAsync("QUIT");
        await c.Run;
        Assert.Contains("warning: localhost[127.0.0.1]: SASL PLAIN authentication aborted", f.Log);
    }

    [Fact]
    public async Task Auth_needs_ehlo_when_helo_required_and_no_transaction()
    {
        using var f = Fixture("smtpd_helo_required = yes");
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        Assert.Equal("503 5.5.1 Error: send HELO/EHLO first", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
        await c.CommandAsync("EHLO client.example.org");
        await c.CommandAsync("MAIL FROM:<alice@example.com>");
        Assert.Equal("503 5.5.1 Error: MAIL transaction in progress", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
    }

    [Fact]
    public async Task Tls_auth_only_hides_auth_without_tls()
    {
        using var f = Fixture("smtpd_tls_auth_only = yes");
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        Assert.DoesNotContain("AUTH", await c.CommandAsync("EHLO client.example.org"));
        Assert.Equal("504 5.5.4 Encryption required for requested authentication mechanism", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
    }

    [Fact]
    public async Task Noplaintext_offers_no_plain_or_login()
    {
        using var f = Fixture("smtpd_sasl_security_options = noanonymous, noplaintext");
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        Assert.DoesNotContain("AUTH", await c.CommandAsync("EHLO client.example.org"));
        Assert.StartsWith("535 5.7.8", await c.CommandAsync("AUTH PLAIN " + B64("\0alice@example.com\0secret")));
    }

    [Fact]
    public async Task Broken_sasl_auth_clients_adds_the_auth_equals_line()
    {
        using var f = Fixture("broken_sasl_auth_clients = yes");
        await using var c = f.Connect();
        await c.ReadReplyAsync();
        var ehlo = await c.CommandAsync("EHLO client.example.org");
        Assert.Contains("250-AUTH PLAIN LOGIN\n250-AUTH=PLAIN LOGIN", ehlo);
    }
}
