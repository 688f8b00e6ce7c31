using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Posthorn.Services.Imapd;

/// <summary>
/// A minimal server-side TLS setup for STARTTLS (RFC 3501 6.2.1, RFC 2595) and port 993
/// (imapd_tls_wrappermode): the PEM certificate chain and key named by imapd_tls_cert_file and
/// imapd_tls_key_file. To be replaced by the shared helper in Services/Tls when it is merged.
/// </summary>
internal sealed class ImapdTls
{
    private readonly X509Certificate2 _certificate;

    private ImapdTls(X509Certificate2 certificate) => _certificate = certificate;

    /// <summary>Null when no certificate is configured; throws when the files cannot be loaded.</summary>
    public static ImapdTls? Load(string certFile, string keyFile)
    {
        if (certFile.Length == 0)
            return null;
        var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile.Length == 0 ? certFile : keyFile);
        // Linux SslStream wants a certificate whose key is not ephemeral.
        var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        pem.Dispose();
        return new ImapdTls(cert);
    }

    public async Task<SslStream> AuthenticateAsync(Stream inner, CancellationToken cancel)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: true);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = false,
            }, cancel);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }
}
