using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Posthorn.Services.SmtpClient;

/// <summary>What a TLS handshake established: the stream, whether the certificate is trusted
/// (chain to a trusted CA) and matched (the name or fingerprint the policy asks for), and the
/// one-line summary Postfix logs.</summary>
internal sealed record TlsOutcome(SslStream Stream, bool Trusted, bool Matched, string Protocol, string Cipher, int Bits)
{
    /// <summary>Postfix's trust word: Verified (matched and trusted), Trusted, or Untrusted.</summary>
    public string TrustWord => Trusted && Matched ? "Verified" : Trusted ? "Trusted" : "Untrusted";

    public string Summary(string nameAddrPort) =>
        $"{TrustWord} TLS connection established to {nameAddrPort}: {Protocol} with cipher {Cipher} ({Bits}/{Bits} bits)";
}

/// <summary>
/// The client side of STARTTLS (TLS_README, postconf(5) smtp_tls_*): an SslStream handshake
/// with SNI per smtp_tls_servername, certificate trust from smtp_tls_CAfile / smtp_tls_CApath
/// (plus the system's CAs when tls_append_default_CA = yes, or when neither is set), name
/// matching per the policy's match list (hostname, nexthop, dot-nexthop, or literal names;
/// wildcard certificates match one label), and fingerprint matching (smtp_tls_fingerprint_digest).
/// The handshake always completes; the caller decides from the outcome whether the level is met.
/// </summary>
internal static class SmtpTls
{
    public static async Task<TlsOutcome> HandshakeAsync(Stream inner, SmtpClientSettings settings, TlsPolicy policy,
        string mxHost, string nexthopDomain, TimeSpan timeout, CancellationToken ct)
    {
        X509Certificate2? peer = null;
        // Levels may and encrypt accept any certificate (TLS_README); verify, secure and
        // fingerprint are judged below from the recorded certificate, so that the log can say why.
#pragma warning disable CA5359
        var presented = new X509Certificate2Collection();
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (_, cert, chain, _) =>
        {
            if (cert is not null)
                peer = new X509Certificate2(cert);
            // The certificates the server sent besides its own (DANE-TA trust anchors are among them).
            if (chain is not null)
            {
                presented.AddRange(chain.ChainPolicy.ExtraStore);
                foreach (var e in chain.ChainElements)
                    presented.Add(new X509Certificate2(e.Certificate));
            }
            return true;
        });
#pragma warning restore CA5359
        // RFC 7672 section 8.1: with DANE, SNI names the TLSA base domain (the MX host).
        var sni = ServerName(settings, mxHost, nexthopDomain) ?? (policy.Tlsa is not null && !System.Net.IPAddress.TryParse(mxHost, out _) ? mxHost : null);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni ?? "",
            EnabledSslProtocols = SslProtocols.None,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout > TimeSpan.Zero)
            cts.CancelAfter(timeout);
        await ssl.AuthenticateAsClientAsync(options, cts.Token);
        bool matched = peer is not null && (policy.Tlsa is { } tlsa
            ? SmtpDane.Matches(peer, presented, tlsa, [mxHost, nexthopDomain])
            : Matches(peer, policy, mxHost, nexthopDomain, settings));
        // DANE: the TLSA records, authenticated by DNSSEC, are the trust anchor (RFC 7672).
        bool trusted = policy.Tlsa is not null ? matched : peer is not null && IsTrusted(peer, settings);
        var suite = ssl.NegotiatedCipherSuite.ToString();
        return new TlsOutcome(ssl, trusted, matched, ProtocolName(ssl.SslProtocol), suite, Bits(suite));
    }

    private static string? ServerName(SmtpClientSettings settings, string mxHost, string nexthopDomain)
    {
        var s = settings.TlsServerName.Trim();
        var name = s switch
        {
            "" => null,
            "hostname" => mxHost,
            "nexthop" => nexthopDomain,
            _ => s,
        };
        return name is null || System.Net.IPAddress.TryParse(name, out _) ? null : name;
    }

    private static bool IsTrusted(X509Certificate2 cert, SmtpClientSettings settings)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var custom = LoadCaCertificates(settings);
        if (custom.Count > 0 && !settings.Config.GetBool("tls_append_default_CA"))
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(custom);
        }
        else if (custom.Count > 0)
        {
            chain.ChainPolicy.ExtraStore.AddRange(custom);
        }
        return chain.Build(cert);
    }

    private static X509Certificate2Collection LoadCaCertificates(SmtpClientSettings settings)
    {
        var all = new X509Certificate2Collection();
        try
        {
            if (settings.TlsCaFile.Length > 0 && File.Exists(settings.TlsCaFile))
                all.ImportFromPemFile(settings.TlsCaFile);
            if (settings.TlsCaPath.Length > 0 && Directory.Exists(settings.TlsCaPath))
            {
                foreach (var f in Directory.EnumerateFiles(settings.TlsCaPath))
                {
                    try
                    {
                        all.ImportFromPemFile(f);
                    }
                    catch (CryptographicException)
                    {
                    }
                }
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
        }
        return all;
    }

    private static bool Matches(X509Certificate2 cert, TlsPolicy policy, string mxHost, string nexthopDomain, SmtpClientSettings settings)
    {
        if (policy.Level == "fingerprint")
        {
            var digest = settings.Config.Get(settings.Lmtp ? "lmtp_tls_fingerprint_digest" : "smtp_tls_fingerprint_digest").Trim().ToLowerInvariant();
            var raw = cert.RawData;
            // smtp_tls_fingerprint_digest names the digest; md5 and sha1 are the administrator's choice.
#pragma warning disable CA5351, CA5350
            var hash = digest switch
            {
                "md5" => MD5.HashData(raw),
                "sha1" => SHA1.HashData(raw),
                _ => SHA256.HashData(raw),
            };
#pragma warning restore CA5351, CA5350
            var hex = Convert.ToHexString(hash);
            return policy.Match.Any(m => m.Replace(":", "", StringComparison.Ordinal).Equals(hex, StringComparison.OrdinalIgnoreCase));
        }
        var names = CertificateNames(cert);
        foreach (var m in policy.Match)
        {
            var want = m.ToLowerInvariant() switch
            {
                "hostname" => mxHost,
                "nexthop" => nexthopDomain,
                "dot-nexthop" => "." + nexthopDomain,
                _ => m,
            };
            if (names.Any(n => NameMatches(n, want)))
                return true;
        }
        return false;
    }

    /// <summary>DNS names of the certificate: subjectAltName dNSName, else the subject CN.</summary>
    internal static List<string> CertificateNames(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var ext in cert.Extensions)
            if (ext is X509SubjectAlternativeNameExtension san)
                names.AddRange(san.EnumerateDnsNames());
        if (names.Count == 0)
        {
            var cn = cert.GetNameInfo(X509NameType.SimpleName, false);
            if (!string.IsNullOrEmpty(cn))
                names.Add(cn);
        }
        return names;
    }

    /// <summary>A certificate name against a wanted name: exact, "*.d" for one label under d, and ".d" (wanted) for any subdomain of d.</summary>
    internal static bool NameMatches(string certName, string want)
    {
        certName = certName.TrimEnd('.').ToLowerInvariant();
        want = want.TrimEnd('.').ToLowerInvariant();
        if (want.StartsWith('.'))
            return certName.EndsWith(want, StringComparison.Ordinal) && certName.Length > want.Length && !certName.StartsWith("*.", StringComparison.Ordinal)
                || certName.StartsWith("*.", StringComparison.Ordinal) && (certName[1..] == want || certName[1..].EndsWith(want, StringComparison.Ordinal));
        if (certName == want)
            return true;
        if (certName.StartsWith("*.", StringComparison.Ordinal))
        {
            int dot = want.IndexOf('.', StringComparison.Ordinal);
            return dot > 0 && want[dot..] == certName[1..];
        }
        return false;
    }

    private static string ProtocolName(SslProtocols p) => p switch
    {
        SslProtocols.Tls12 => "TLSv1.2",
        SslProtocols.Tls13 => "TLSv1.3",
        _ => p.ToString(),
    };

    private static int Bits(string suite) =>
        suite.Contains("256", StringComparison.Ordinal) || suite.Contains("CHACHA20", StringComparison.Ordinal) ? 256
        : suite.Contains("128", StringComparison.Ordinal) ? 128 : 0;
}
