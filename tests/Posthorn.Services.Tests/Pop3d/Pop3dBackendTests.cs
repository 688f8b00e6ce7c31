using System.Diagnostics;
using System.Net;
using Posthorn.Core.Config;
using Posthorn.Protocols.Pop3;
using Posthorn.Services.Pop3d;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Pop3d;

public class Pop3dBackendTests
{
    private static Pop3dSettings Settings(TempDir dir, string extra = "")
    {
        File.WriteAllText(dir["users"], "al:{PLAIN}secret::::::mail=maildir:" + dir["al"] + "/\n" +
                                        "cr:{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF.q/Ujm5::::::mail=maildir:" + dir["cr"] + "/\n");
        return Pop3dSettings.FromConfig(MainConfig.FromText($"posthorn_user_database = {dir["users"]}\npop3d_login_failure_delay = 1s\n" + extra));
    }

    [Fact]
    public async Task A_good_password_opens_the_maildrop()
    {
        using var dir = new TempDir();
        var backend = new Pop3dBackend(Settings(dir));
        var r = await backend.LoginAsync("", "AL", "secret", CancellationToken.None);
        Assert.Equal(Pop3LoginStatus.Ok, r.Status);
        Assert.Equal("al", r.UserName);
        await r.Maildrop!.DisposeAsync();
    }

    [Fact]
    public async Task A_wrong_password_fails_after_the_delay()
    {
        using var dir = new TempDir();
        var backend = new Pop3dBackend(Settings(dir));
        var sw = Stopwatch.StartNew();
        Assert.Equal(Pop3LoginStatus.Failed, (await backend.LoginAsync("", "al", "wrong", CancellationToken.None)).Status);
        Assert.True(sw.ElapsedMilliseconds >= 950, sw.ElapsedMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Pop3LoginStatus.Failed, (await backend.LoginAsync("", "nobody", "secret", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Acting_as_another_user_is_refused()
    {
        using var dir = new TempDir();
        var backend = new Pop3dBackend(Settings(dir, "pop3d_login_failure_delay = 0\n"));
        Assert.Equal(Pop3LoginStatus.Failed, (await backend.LoginAsync("cr", "al", "secret", CancellationToken.None)).Status);
    }

    [Fact]
    public async Task APOP_works_only_with_a_plaintext_stored_password()
    {
        using var dir = new TempDir();
        var backend = new Pop3dBackend(Settings(dir, "pop3d_login_failure_delay = 0\n"));
        const string ts = "<1896.697170952@dbc.mtview.ca.us>";
        var ok = await backend.LoginApopAsync("al", ts, Pop3Apop.Digest(ts, "secret"), CancellationToken.None);
        Assert.Equal(Pop3LoginStatus.Ok, ok.Status);
        await ok.Maildrop!.DisposeAsync();
        Assert.Equal(Pop3LoginStatus.Failed, (await backend.LoginApopAsync("cr", ts, Pop3Apop.Digest(ts, "Hello world!"), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_second_login_to_a_locked_maildrop_is_in_use()
    {
        using var dir = new TempDir();
        var settings = Settings(dir);
        var first = await new Pop3dBackend(settings).LoginAsync("", "al", "secret", CancellationToken.None);
        Assert.Equal(Pop3LoginStatus.InUse, (await new Pop3dBackend(settings).LoginAsync("", "al", "secret", CancellationToken.None)).Status);
        await first.Maildrop!.DisposeAsync();
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.8", "192.0.2.7", false)]
    public void A_connection_counts_as_secured_when_the_remote_address_is_the_local_one(string remote, string local, bool secured) =>
        Assert.Equal(secured, Pop3dConnection.IsLocalConnection(new IPEndPoint(IPAddress.Parse(remote), 1), new IPEndPoint(IPAddress.Parse(local), 110)));

    [Theory]
    [InlineData("pop3d_tls_security_level = sometimes\n")]
    [InlineData("pop3d_tls_wrappermode = yes\n")]
    [InlineData("pop3d_tls_security_level = encrypt\n")]
    public void Bad_or_impossible_TLS_settings_are_configuration_errors(string text) =>
        Assert.Throws<ConfigException>(() => Pop3dSettings.FromConfig(MainConfig.FromText(text)));

    [Fact]
    public void Defaults_follow_Dovecot()
    {
        var s = Pop3dSettings.FromConfig(MainConfig.FromText(""));
        Assert.True(s.DisablePlaintextAuth);
        Assert.Equal(TimeSpan.FromSeconds(2), s.LoginFailureDelay);
        Assert.Equal(TimeSpan.FromMinutes(10), s.Timeout);
        Assert.Equal(["PLAIN"], s.SaslMechanisms);
        Assert.False(s.EnableApop);
        Assert.Null(s.Tls);
    }
}
