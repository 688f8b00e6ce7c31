using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.SmtpClient;

/// <summary>
/// DANE (RFC 7672, TLS_README levels dane and dane-only) against a test resolver that sets the AD
/// bit as a validating resolver does: MX dane.test → mx.dane.test (127.0.0.2) with TLSA records
/// at _PORT._tcp.mx.dane.test.
/// </summary>
public sealed class SmtpClientDaneTests : IAsyncDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly SmtpTestSupport _t = new();
    private readonly TestDnsServer _dns = new() { AuthenticData = true };
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _cert = TestSmtpServer.SelfSigned("mx.dane.test");
    private readonly TestSmtpServer _server;

    public SmtpClientDaneTests()
    {
        _server = new TestSmtpServer(IPAddress.Parse("127.0.0.2")) { Certificate = _cert };
        _dns.Mx["dane.test"] = [(10, "mx.dane.test")];
        _dns.A["mx.dane.test"] = [IPAddress.Parse("127.0.0.2")];
    }

    private string TlsaName => $"_{_server.Port}._tcp.mx.dane.test";

    private byte[] SpkiSha256 => SHA256.HashData(_cert.PublicKey.ExportSubjectPublicKeyInfo());

    private async Task<RecipientResult> Deliver(string level, string extra = "smtp_dns_support_level = dnssec\n")
    {
        var agent = _t.Agent($"posthorn_dns_servers = {_dns.Endpoint}\nsmtp_tcp_port = {_server.Port}\nsmtp_tls_security_level = {level}\n" + extra);
        var result = await agent.DeliverAsync(SmtpTestSupport.Request("dane.test", "a@dane.test"), None);
        return Assert.Single(result.Recipients);
    }

    [Fact]
    public async Task DANE_EE_SPKI_SHA256_match_delivers_over_verified_TLS()
    {
        _dns.Tlsa[TlsaName] = [(3, 1, 1, SpkiSha256)];
        var r = await Deliver("dane");

        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.True(Assert.Single(_server.Messages).Tls);
        Assert.Contains($"Verified TLS connection established to mx.dane.test[127.0.0.2]:{_server.Port}: TLSv1.", _t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DANE_EE_full_certificate_match_delivers()
    {
        _dns.Tlsa[TlsaName] = [(3, 0, 0, _cert.RawData)];
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver("dane-only")).Outcome);
    }

    [Fact]
    public async Task A_certificate_matching_no_TLSA_record_is_deferred()
    {
        _dns.Tlsa[TlsaName] = [(3, 1, 1, new byte[32]), (3, 1, 2, new byte[64])];
        var r = await Deliver("dane");

        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.7.5", r.DsnStatus);
        Assert.Equal("Server certificate not verified", r.Reason);
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task Insecure_TLSA_records_are_ignored_and_TLS_is_opportunistic()
    {
        _dns.Tlsa[TlsaName] = [(3, 1, 1, new byte[32])];
        _dns.Insecure.Add(TlsaName);
        var r = await Deliver("dane");

        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Contains("Untrusted TLS connection established to mx.dane.test", _t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insecure_MX_records_disable_DANE()
    {
        _dns.Tlsa[TlsaName] = [(3, 1, 1, new byte[32])];
        _dns.Insecure.Add("dane.test");
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver("dane")).Outcome);
    }

    [Fact]
    public async Task Without_TLSA_records_dane_is_may_and_dane_only_defers()
    {
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver("dane")).Outcome);
        var r = await Deliver("dane-only");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.7.5", r.DsnStatus);
        Assert.Equal("TLS is required, but no TLSA records are published for host mx.dane.test[127.0.0.2]", r.Reason);
    }

    [Fact]
    public async Task Only_unusable_TLSA_records_make_TLS_mandatory_without_authentication()
    {
        _dns.Tlsa[TlsaName] = [(1, 1, 1, SpkiSha256)]; // PKIX-EE: unusable for SMTP (RFC 7672 3.1.3)
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver("dane")).Outcome);
        Assert.Contains("Untrusted TLS connection established", _t.ReadLog(), StringComparison.Ordinal);

        await using var plain = new TestSmtpServer(IPAddress.Parse("127.0.0.3"));
        _dns.A["mx.dane.test"] = [IPAddress.Parse("127.0.0.3")];
        var agent = _t.Agent($"posthorn_dns_servers = {_dns.Endpoint}\nsmtp_tcp_port = {plain.Port}\nsmtp_tls_security_level = dane\nsmtp_dns_support_level = dnssec\n");
        _dns.Tlsa[$"_{plain.Port}._tcp.mx.dane.test"] = [(1, 1, 1, SpkiSha256)];
        var r = Assert.Single((await agent.DeliverAsync(SmtpTestSupport.Request("dane.test", "a@dane.test"), None)).Recipients);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("TLS is required, but was not offered by host mx.dane.test[127.0.0.3]", r.Reason);
    }

    [Fact]
    public async Task Dane_without_dnssec_lookups_is_may_with_a_warning()
    {
        _dns.Tlsa[TlsaName] = [(3, 1, 1, new byte[32])];
        var r = await Deliver("dane", "");

        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Contains("TLS security level \"dane\" needs smtp_dns_support_level = dnssec", _t.ReadLog(), StringComparison.Ordinal);
    }

    /// <summary>root CA → intermediate CA → leaf for <paramref name="leafName"/>, each signed by the one before.</summary>
    private static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Leaf) Chain(string leafName)
    {
        static CertificateRequest Request(string cn, RSA key, bool ca)
        {
            var req = new CertificateRequest("CN=" + cn, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
            if (ca)
                req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            return req;
        }
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(2048);
        using var midKey = RSA.Create(2048);
        using var leafKey = RSA.Create(2048);
        var root = Request("Test Root", rootKey, true).CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        var midReq = Request("Test Intermediate", midKey, true);
        using var midPublic = midReq.Create(root, now.AddDays(-1), now.AddDays(20), [1]);
        var mid = midPublic.CopyWithPrivateKey(midKey);
        var leafReq = Request(leafName, leafKey, false);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(leafName);
        leafReq.CertificateExtensions.Add(san.Build());
        using var leafPublic = leafReq.Create(mid, now.AddDays(-1), now.AddDays(10), [2]);
        using var leafWithKey = leafPublic.CopyWithPrivateKey(leafKey);
        var leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pfx), null);
        return (root, mid, leaf);
    }

    private async Task<RecipientResult> DeliverTa(string leafName, Func<X509Certificate2, X509Certificate2, byte[]> tlsaData, byte selector)
    {
        var (root, mid, leaf) = Chain(leafName);
        await using var server = new TestSmtpServer(IPAddress.Parse("127.0.0.4"))
        {
            Certificate = leaf,
            Chain = [X509CertificateLoader.LoadCertificate(mid.RawData)],
        };
        _dns.A["mx.dane.test"] = [IPAddress.Parse("127.0.0.4")];
        _dns.Tlsa[$"_{server.Port}._tcp.mx.dane.test"] = [(2, selector, 1, tlsaData(root, mid))];
        var agent = _t.Agent($"posthorn_dns_servers = {_dns.Endpoint}\nsmtp_tcp_port = {server.Port}\nsmtp_tls_security_level = dane\nsmtp_dns_support_level = dnssec\n");
        return Assert.Single((await agent.DeliverAsync(SmtpTestSupport.Request("dane.test", "a@dane.test"), None)).Recipients);
    }

    [Fact]
    public async Task DANE_TA_matching_the_presented_intermediate_delivers()
    {
        var r = await DeliverTa("mx.dane.test", (_, mid) => SHA256.HashData(mid.RawData), 0);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Contains("Verified TLS connection established to mx.dane.test[127.0.0.4]", _t.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DANE_TA_needs_a_reference_name_in_the_certificate()
    {
        var r = await DeliverTa("other.example", (_, mid) => SHA256.HashData(mid.PublicKey.ExportSubjectPublicKeyInfo()), 1);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("Server certificate not verified", r.Reason);
    }

    [Fact]
    public async Task DANE_TA_of_a_certificate_the_server_does_not_present_does_not_match()
    {
        var r = await DeliverTa("mx.dane.test", (root, _) => SHA256.HashData(root.RawData), 0);
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("Server certificate not verified", r.Reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dns.Dispose();
        await _t.DisposeAsync();
        _cert.Dispose();
    }
}
