using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Posthorn.Core.Config;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Tests.Tls;

public class TlsServerContextTests
{
    private static async Task<SslProtocols> HandshakeAsync(TlsServerContext context)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connect = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        await connect;
        var serverSide = context.AuthenticateAsync(server.GetStream(), TimeSpan.FromSeconds(10), CancellationToken.None);
        // The test trusts exactly the certificate the server was given.
        var expected = context.Certificate.GetCertHash();
        await using var ssl = new SslStream(client.GetStream(), false, (_, cert, _, _) => cert is not null && cert.GetCertHash().AsSpan().SequenceEqual(expected));
        await ssl.AuthenticateAsClientAsync("localhost");
        await using var s = await serverSide;
        Assert.Contains("with cipher", TlsServerContext.Describe(s), StringComparison.Ordinal);
        return ssl.SslProtocol;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Loads_RSA_or_EC_PEM_files_and_completes_a_handshake(bool ec, bool keyInCertFile)
    {
        using var cert = new TestCertificate(ec, keyInCertFile);
        var context = TlsServerContext.FromFiles(cert.CertFile, cert.KeyFile);
        Assert.True(context.Certificate.HasPrivateKey);
        Assert.True(await HandshakeAsync(context) is SslProtocols.Tls12 or SslProtocols.Tls13);
    }

    [Fact]
    public async Task Honours_the_protocol_parameter()
    {
        using var cert = new TestCertificate();
        var config = MainConfig.FromText($"smtpd_tls_cert_file = {cert.CertFile}\nsmtpd_tls_key_file = {cert.KeyFile}\npop3d_tls_protocols = !TLSv1.3\n");
        var context = TlsServerContext.FromConfig(config, "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols")!;
        Assert.Equal(SslProtocols.Tls12, context.Protocols);
        Assert.Equal(SslProtocols.Tls12, await HandshakeAsync(context));
    }

    [Fact]
    public void Caches_the_certificate_until_a_file_changes()
    {
        using var cert = new TestCertificate();
        var a = TlsServerContext.Load(cert.CertFile, cert.KeyFile);
        Assert.Same(a, TlsServerContext.Load(cert.CertFile, cert.KeyFile));
        File.SetLastWriteTimeUtc(cert.KeyFile, DateTime.UtcNow.AddMinutes(1));
        Assert.NotSame(a, TlsServerContext.Load(cert.CertFile, cert.KeyFile));
    }

    [Fact]
    public void An_empty_certificate_parameter_means_no_TLS() =>
        Assert.Null(TlsServerContext.FromConfig(MainConfig.FromText(""), "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols"));

    [Fact]
    public void A_missing_file_is_a_configuration_error_naming_the_parameter()
    {
        var config = MainConfig.FromText("pop3d_tls_cert_file = /nonexistent/cert.pem\n");
        var e = Assert.Throws<ConfigException>(() => TlsServerContext.FromConfig(config, "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols"));
        Assert.Contains("pop3d_tls_cert_file", e.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/cert.pem", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_protocol_list_is_a_configuration_error()
    {
        using var cert = new TestCertificate();
        var config = MainConfig.FromText($"pop3d_tls_cert_file = {cert.CertFile}\npop3d_tls_key_file = {cert.KeyFile}\npop3d_tls_protocols = TLSv1\n");
        var e = Assert.Throws<ConfigException>(() => TlsServerContext.FromConfig(config, "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols"));
        Assert.StartsWith("pop3d_tls_protocols: ", e.Message, StringComparison.Ordinal);
    }
}
