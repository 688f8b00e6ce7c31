using Posthorn.Protocols.Sasl;

namespace Posthorn.Protocols.Tests.Sasl;

public class SaslExchangeTests
{
    private static readonly string[] Offered = ["PLAIN", "LOGIN"];

    [Fact]
    public void Smtp_auth_plain_with_initial_response()
    {
        // C: AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=  (RFC 4954 section 4 example)
        var (_, first) = SaslExchange.Start("PLAIN", "dGVzdAB0ZXN0ADEyMzQ=", Offered);
        Assert.Equal(SaslExchangeStatus.VerifyPassword, first.Status);
        Assert.Equal(new SaslCredentials("test", "test", "1234"), first.Credentials);
    }

    [Fact]
    public void Auth_login_round_trips_through_base64()
    {
        var (exchange, first) = SaslExchange.Start("login", null, Offered);
        Assert.Equal(("VXNlcm5hbWU6", SaslExchangeStatus.Continue), (first.Challenge, first.Status));
        Assert.Equal("UGFzc3dvcmQ6", exchange.Next("dGlt").Challenge);
        var last = exchange.Next("dGFuc3RhYWY=");
        Assert.Equal(new SaslCredentials("", "tim", "tanstaaf"), last.Credentials);
        Assert.Equal(SaslExchangeStatus.Failed, exchange.Next("eA==").Status);
    }

    [Theory]
    [InlineData("PLAIN", "=", SaslExchangeStatus.Failed)]
    [InlineData("PLAIN", "*", SaslExchangeStatus.Cancelled)]
    [InlineData("PLAIN", "%%%", SaslExchangeStatus.InvalidBase64)]
    [InlineData("CRAM-MD5", null, SaslExchangeStatus.UnsupportedMechanism)]
    [InlineData("SCRAM-SHA-256", null, SaslExchangeStatus.UnsupportedMechanism)]
    public void Start_outcomes(string mechanism, string? initial, SaslExchangeStatus status) =>
        Assert.Equal(status, SaslExchange.Start(mechanism, initial, Offered).First.Status);

    [Fact]
    public void Continuation_lines_can_cancel_or_be_invalid()
    {
        var (a, _) = SaslExchange.Start("PLAIN", null, Offered);
        Assert.Equal(SaslExchangeStatus.Cancelled, a.Next("*").Status);
        var (b, _) = SaslExchange.Start("PLAIN", null, Offered);
        Assert.Equal(SaslExchangeStatus.InvalidBase64, b.Next("abc").Status);
    }
}
