using System.Text;
using Posthorn.Protocols.Sasl;

namespace Posthorn.Protocols.Tests.Sasl;

public class SaslFramingTests
{
    [Fact]
    public void Star_cancels_the_exchange() =>
        Assert.Equal(SaslResponseKind.Cancelled, SaslFraming.DecodeResponse("*").Kind);

    [Fact]
    public void Equals_sign_is_an_empty_initial_response()
    {
        var r = SaslFraming.DecodeInitialResponse("=");
        Assert.Equal(SaslResponseKind.Data, r.Kind);
        Assert.Empty(r.Data);
    }

    [Fact]
    public void Equals_sign_is_invalid_as_a_continuation_response() =>
        Assert.Equal(SaslResponseKind.Invalid, SaslFraming.DecodeResponse("=").Kind);

    [Fact]
    public void Empty_line_is_an_empty_continuation_response()
    {
        var r = SaslFraming.DecodeResponse("");
        Assert.Equal(SaslResponseKind.Data, r.Kind);
        Assert.Empty(r.Data);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("!!!!")]
    [InlineData("AHVzZXIxc2xkAHBpcHBv=")]
    public void Rejects_invalid_base64(string line) =>
        Assert.Equal(SaslResponseKind.Invalid, SaslFraming.DecodeResponse(line).Kind);

    [Fact]
    public void Decodes_the_lectures_PLAIN_response()
    {
        var r = SaslFraming.DecodeResponse("AHVzZXIxc2xkAHBpcHBv");
        Assert.Equal("\0user1sld\0pippo", Encoding.UTF8.GetString(r.Data));
    }

    [Fact]
    public void Formats_continuation_and_smtp_challenges()
    {
        Assert.Equal("+ ", SaslFraming.ContinuationLine([]));
        Assert.Equal("334 VXNlcm5hbWU6", SaslFraming.SmtpChallengeLine("Username:"u8));
    }
}

public class PlainMechanismTests
{
    [Fact]
    public void Initial_response_yields_credentials_to_verify()
    {
        var m = new PlainMechanism();
        var step = m.Start(Encoding.UTF8.GetBytes("\0user1sld\0pippo"));
        Assert.Equal(SaslStatus.VerifyPassword, step.Status);
        Assert.Equal(new SaslCredentials("", "user1sld", "pippo"), step.Credentials);
        Assert.True(m.IsCompleted);
    }

    [Fact]
    public void Without_initial_response_sends_an_empty_challenge()
    {
        var m = new PlainMechanism();
        var step = m.Start(null);
        Assert.Equal(SaslStatus.Challenge, step.Status);
        Assert.Empty(step.Challenge!);
        Assert.Equal(SaslStatus.VerifyPassword, m.Step("\0u\0p"u8).Status);
    }

    [Fact]
    public void Keeps_the_authorization_identity()
    {
        var step = new PlainMechanism().Start(Encoding.UTF8.GetBytes("admin\0user\0secret"));
        Assert.Equal("admin", step.Credentials!.AuthorizationId);
        Assert.Equal("user", step.Credentials.AuthenticationId);
    }

    [Theory]
    [InlineData("nonul")]
    [InlineData("\0onlyone")]
    [InlineData("\0\0password")]
    [InlineData("\0u\0p\0extra")]
    public void Rejects_malformed_messages(string message) =>
        Assert.Equal(SaslStatus.Failure, new PlainMechanism().Start(Encoding.UTF8.GetBytes(message)).Status);

    [Fact]
    public void Rejects_invalid_utf8() =>
        Assert.Equal(SaslStatus.Failure, new PlainMechanism().Start([0, 0xff, 0, 0x41]).Status);

    [Fact]
    public void Refuses_steps_after_completion()
    {
        var m = new PlainMechanism();
        m.Start(Encoding.UTF8.GetBytes("\0u\0p"));
        Assert.Equal(SaslStatus.Failure, m.Step("\0u\0p"u8).Status);
    }
}

public class LoginMechanismTests
{
    [Fact]
    public void Asks_username_then_password()
    {
        var m = new LoginMechanism();
        var s1 = m.Start(null);
        Assert.Equal("Username:", Encoding.ASCII.GetString(s1.Challenge!));
        var s2 = m.Step("tim"u8);
        Assert.Equal("Password:", Encoding.ASCII.GetString(s2.Challenge!));
        var s3 = m.Step("tanstaaftanstaaf"u8);
        Assert.Equal(SaslStatus.VerifyPassword, s3.Status);
        Assert.Equal(new SaslCredentials("", "tim", "tanstaaftanstaaf"), s3.Credentials);
    }

    [Fact]
    public void Initial_response_is_the_user_name()
    {
        var m = new LoginMechanism();
        Assert.Equal("Password:", Encoding.ASCII.GetString(m.Start("tim"u8.ToArray()).Challenge!));
    }

    [Fact]
    public void Rejects_empty_user_name() =>
        Assert.Equal(SaslStatus.Failure, new LoginMechanism().Start([]).Status);
}

public class ScramSha256MechanismTests
{
    // RFC 7677 section 3 test vector: user "user", password "pencil".
    private static ScramCredentials? Lookup(string user) =>
        user == "user" ? ScramCredentials.FromPassword("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096) : null;

    private static ScramSha256Mechanism Create() => new(Lookup, () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

    [Fact]
    public void Follows_the_rfc7677_example_exchange()
    {
        var m = Create();
        var s1 = m.Start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8.ToArray());
        Assert.Equal("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", Encoding.UTF8.GetString(s1.Challenge!));
        var s2 = m.Step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8);
        Assert.Equal(SaslStatus.Challenge, s2.Status);
        Assert.Equal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Encoding.UTF8.GetString(s2.Challenge!));
        Assert.Equal(SaslStatus.Success, m.Step([]).Status);
        Assert.Equal("user", m.AuthenticationId);
    }

    [Fact]
    public void Wrong_proof_fails()
    {
        var m = Create();
        m.Start("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"u8.ToArray());
        var s = m.Step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8);
        Assert.Equal(SaslStatus.Failure, s.Status);
    }

    [Fact]
    public void Unknown_user_gets_a_challenge_and_fails_only_at_the_proof()
    {
        var m = Create();
        var s1 = m.Start("n,,n=nobody,r=abc"u8.ToArray());
        Assert.Equal(SaslStatus.Challenge, s1.Status);
        var s2 = m.Step("c=biws,r=abc%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8);
        Assert.Equal(SaslStatus.Failure, s2.Status);
    }

    [Fact]
    public void Rejects_channel_binding_requests() =>
        Assert.Equal(SaslStatus.Failure, Create().Start("p=tls-unique,,n=user,r=abc"u8.ToArray()).Status);

    [Fact]
    public void Rejects_a_changed_nonce()
    {
        var m = Create();
        m.Start("n,,n=user,r=abc"u8.ToArray());
        Assert.Equal(SaslStatus.Failure, m.Step("c=biws,r=abcX,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="u8).Status);
    }

    [Fact]
    public void Unescapes_user_names_and_authzid()
    {
        var m = Create();
        m.Start("n,a=adm=3Din,n=us=2Cer,r=abc"u8.ToArray());
        Assert.Equal("us,er", m.AuthenticationId);
        Assert.Equal("adm=in", m.AuthorizationId);
    }

    [Fact]
    public void Factory_creates_by_name()
    {
        Assert.IsType<PlainMechanism>(SaslMechanism.Create("plain"));
        Assert.IsType<LoginMechanism>(SaslMechanism.Create("LOGIN"));
        Assert.Null(SaslMechanism.Create("SCRAM-SHA-256"));
        Assert.IsType<ScramSha256Mechanism>(SaslMechanism.Create("SCRAM-SHA-256", Lookup));
        Assert.Null(SaslMechanism.Create("CRAM-MD5"));
    }
}
