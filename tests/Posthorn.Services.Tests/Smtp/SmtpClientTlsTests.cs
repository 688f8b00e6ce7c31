using System.Net;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>STARTTLS security levels (TLS_README) against a server with a self-signed certificate.</summary>
public sealed class SmtpClientTlsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Level_may_delivers_over_untrusted_TLS_and_logs_it()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Certificate = TestSmtpServer.SelfSigned("mx.test.example") };
        var result = await t.Agent("smtp_tls_security_level = may").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.True(Assert.Single(server.Messages).Tls);
        Assert.Contains($"Untrusted TLS connection established to 127.0.0.1[127.0.0.1]:{server.Port}: TLSv1.", t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Level_verify_defers_when_the_certificate_is_not_trusted()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Certificate = TestSmtpServer.SelfSigned("mx.test.example") };
        var result = await t.Agent("smtp_tls_security_level = verify").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.7.5", r.DsnStatus);
        Assert.Equal("Server certificate not verified", r.Reason);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Level_verify_delivers_when_smtp_tls_CAfile_trusts_the_certificate()
    {
        await using var t = new SmtpTestSupport();
        var cert = TestSmtpServer.SelfSigned("mx.test.example");
        var caFile = Path.Combine(t.Dir, "ca.pem");
        await File.WriteAllTextAsync(caFile, cert.ExportCertificatePem());
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Certificate = cert };
        var agent = t.Agent($"smtp_tls_CAfile = {caFile}\nsmtp_tls_policy_maps = inline:{{ {{ [127.0.0.1]:{server.Port} = verify match=mx.test.example }} }}");
        var result = await agent.DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.Contains("Verified TLS connection established", t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Level_encrypt_defers_when_STARTTLS_is_not_offered()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var result = await t.Agent("smtp_tls_security_level = encrypt").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        var r = Assert.Single(result.Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]", r.Reason);
    }

    [Fact]
    public async Task Level_may_delivers_in_plaintext_when_STARTTLS_is_not_offered()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback);
        var result = await t.Agent("smtp_tls_security_level = may").DeliverAsync(SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None);

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(result.Recipients).Outcome);
        Assert.False(Assert.Single(server.Messages).Tls);
    }

    [Fact]
    public async Task Plaintext_injected_after_the_STARTTLS_reply_defers()
    {
        await using var t = new SmtpTestSupport();
        await using var server = new TestSmtpServer(IPAddress.Loopback) { Certificate = TestSmtpServer.SelfSigned("mx.test.example"), InjectAfterStartTls = true };
        var r = Assert.Single((await t.Agent("smtp_tls_security_level = encrypt").DeliverAsync(
            SmtpTestSupport.Request($"[127.0.0.1]:{server.Port}", "a@test.example"), None)).Recipients);

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Empty(server.Messages);
    }
}
