using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Posthorn.Core.Config;

namespace Posthorn.Services.Tls;

/// <summary>
/// The server side of TLS for smtpd, pop3d, imapd and lmtpd: a certificate and private key
/// loaded from PEM files (RSA or EC, as postconf(5) smtpd_tls_cert_file / smtpd_tls_key_file;
/// the key may sit in the certificate file, Postfix's default <c>$smtpd_tls_cert_file</c>),
/// cached by file name and modification time, and the SslServerAuthenticationOptions built
/// from a protocol list in Postfix's words (<see cref="TlsProtocolList"/>). Client certificates
/// are not asked for. Use <see cref="FromConfig"/> with the service's parameter names.
/// </summary>
public sealed class TlsServerContext
{
    private static readonly ConcurrentDictionary<(string, string), (DateTime, DateTime, X509Certificate2)> Cache = new();

    private TlsServerContext(X509Certificate2 certificate, SslProtocols protocols)
    {
        Certificate = certificate;
        Protocols = protocols;
    }

    public X509Certificate2 Certificate { get; }

    public SslProtocols Protocols { get; }

    /// <summary>
    /// Loads the context a service's parameters name, e.g.
    /// <c>FromConfig(config, "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols")</c>.
    /// Returns null when the certificate parameter is empty (TLS is not configured).
    /// </summary>
    /// <exception cref="ConfigException">The files cannot be read or the protocol list is bad; the message names the parameter.</exception>
    public static TlsServerContext? FromConfig(MainConfig config, string certParameter, string keyParameter, string protocolsParameter)
    {
        var certFile = config.Get(certParameter).Trim();
        if (certFile.Length == 0)
            return null;
        var keyFile = config.Get(keyParameter).Trim();
        SslProtocols protocols;
        try
        {
            protocols = TlsProtocolList.Parse(config.Get(protocolsParameter));
        }
        catch (FormatException e)
        {
            throw new ConfigException($"{protocolsParameter}: {e.Message}");
        }
        return new TlsServerContext(Load(certFile, keyFile.Length == 0 ? certFile : keyFile, certParameter), protocols);
    }

    /// <summary>A context for a certificate and key file (tests, tools); protocols TLSv1.2 and TLSv1.3.</summary>
    public static TlsServerContext FromFiles(string certFile, string keyFile, string protocols = ">=TLSv1.2") =>
        new(Load(certFile, keyFile, "certificate"), TlsProtocolList.Parse(protocols));

    /// <summary>Loads (or takes from the cache) a PEM certificate chain with its private key.</summary>
    public static X509Certificate2 Load(string certFile, string keyFile, string what = "certificate")
    {
        try
        {
            var certTime = File.GetLastWriteTimeUtc(certFile);
            var keyTime = File.GetLastWriteTimeUtc(keyFile);
            if (Cache.TryGetValue((certFile, keyFile), out var hit) && hit.Item1 == certTime && hit.Item2 == keyTime)
                return hit.Item3;
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // Re-import so that SslStream on Linux can use the ephemeral key.
            var cert = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            Cache[(certFile, keyFile)] = (certTime, keyTime, cert);
            return cert;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ConfigException($"cannot load {what} from {certFile} (key {keyFile}): {e.Message}");
        }
    }

    /// <summary>The options for SslStream.AuthenticateAsServerAsync.</summary>
    public SslServerAuthenticationOptions Options() => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = Protocols,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>
    /// Runs the server handshake over <paramref name="inner"/> within <paramref name="timeout"/>;
    /// the returned stream owns the inner one. Throws AuthenticationException, IOException or
    /// OperationCanceledException when the handshake fails.
    /// </summary>
    public async Task<SslStream> AuthenticateAsync(Stream inner, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(Options(), cts.Token);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>How the log describes a finished handshake, as Postfix's "TLS connection established" details: "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384".</summary>
    public static string Describe(SslStream ssl) =>
        $"{ProtocolName(ssl.SslProtocol)} with cipher {ssl.NegotiatedCipherSuite}";

    private static string ProtocolName(SslProtocols p) => p switch
    {
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.Tls13 => "TLSv1.3",
        _ => p.ToString(),
    };
}
