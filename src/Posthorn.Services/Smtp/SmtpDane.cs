using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Posthorn.Core.Config;
using Posthorn.Services.DnsLookup;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// DANE for SMTP (RFC 7672; TLS_README "dane" and "dane-only" levels; postconf(5)
/// smtp_dns_support_level = dnssec): DNSSEC validity is the AD bit of a validating resolver
/// (posthorn_dns_servers or the system's). For one server of a destination at level dane: the MX
/// RRset (when the destination was found by MX) and the host's address records must be secure,
/// then the TLSA RRset at _port._tcp.host decides: secure and usable → TLS is required and the
/// certificate must match a record; secure but only unusable records → TLS required without
/// authentication (encrypt); absent or insecure → opportunistic (may). dane-only turns every
/// "may" outcome into a deferral. A TLSA lookup failure defers. Usable records: DANE-EE(3) with
/// selector 0 (certificate) or 1 (SubjectPublicKeyInfo) and matching type 0 (full), 1 (SHA-256)
/// or 2 (SHA-512), and DANE-TA(2) with the same, matching a certificate the server presents;
/// as RFC 7672 section 3.1.3 says, PKIX-TA(0) and PKIX-EE(1) are unusable. DANE-EE ignores
/// names and dates; DANE-TA checks the chain, its dates and the names (MX host, nexthop).
/// </summary>
internal sealed class SmtpDane
{
    private readonly Lazy<MailDns> _dns;

    public SmtpDane(MainConfig config, bool lmtp)
    {
        DnssecEnabled = config.Get(lmtp ? "lmtp_dns_support_level" : "smtp_dns_support_level").Trim().Equals("dnssec", StringComparison.OrdinalIgnoreCase);
        _dns = new Lazy<MailDns>(() => new MailDns(config));
    }

    /// <summary>smtp_dns_support_level = dnssec.</summary>
    public bool DnssecEnabled { get; }

    /// <summary>The effective policy for one server under level dane/dane-only (any other level is returned as is), or the failure.</summary>
    public async Task<(TlsPolicy Policy, SmtpFailure? Failure)> ResolveAsync(TlsPolicy policy, SmtpTarget target, string destination,
        bool viaMx, Action<string> warn, CancellationToken ct)
    {
        if (policy.Level is not ("dane" or "dane-only"))
            return (policy, null);
        bool only = policy.Level == "dane-only";
        (TlsPolicy, SmtpFailure?) Opportunistic(string why) => only
            ? (policy, new SmtpFailure("4.7.5", $"TLS is required, but {why}"))
            : (new TlsPolicy("may", []), null);

        if (!DnssecEnabled)
        {
            warn($"TLS security level \"{policy.Level}\" needs smtp_dns_support_level = dnssec; DANE is not used for {destination}");
            return Opportunistic("DNSSEC lookups are disabled");
        }
        if (target.UnixPath is not null || IPAddress.TryParse(target.Host, out _))
            return Opportunistic($"no TLSA records can be found for host {target.NameAddr}");
        var dns = _dns.Value;
        if (viaMx)
        {
            var domain = destination.Split(':')[0];
            var (mxStatus, mxSecure) = await dns.LookupSecurityAsync(domain, "MX", ct);
            if (mxStatus == DnsLookupStatus.Ok && !mxSecure)
                return Opportunistic($"the MX records of {domain} are not DNSSEC-validated");
        }
        var (aStatus, aSecure) = await dns.LookupSecurityAsync(target.Host, "A", ct);
        if (aStatus == DnsLookupStatus.Ok && !aSecure)
            return Opportunistic($"the address records of {target.Host} are not DNSSEC-validated");
        var (status, secure, records) = await dns.LookupTlsaAsync(target.Host, target.Port, ct);
        if (status == DnsLookupStatus.Retry)
            return (policy, new SmtpFailure("4.7.5", $"TLSA lookup error for {target.Host}:{target.Port}"));
        if (records.Count == 0 || !secure)
            return Opportunistic($"no {(records.Count == 0 ? "" : "DNSSEC-validated ")}TLSA records are published for host {target.NameAddr}");
        var usable = records.Where(Usable).ToList();
        if (usable.Count == 0)
            return only
                ? (policy, new SmtpFailure("4.7.5", $"TLS is required, but all TLSA records of host {target.NameAddr} are unusable"))
                : (new TlsPolicy("encrypt", []), null);
        return (new TlsPolicy("dane", []) { Tlsa = usable }, null);
    }

    private static bool Usable(TlsaData r) => r.Usage is 2 or 3 && r.Selector is 0 or 1 && r.MatchingType is 0 or 1 or 2;

    /// <summary>
    /// True when the server's certificate matches a DANE-EE record, or a certificate the server
    /// presented matches a DANE-TA record, the server's certificate chains to it (dates checked)
    /// and carries one of the reference names (the MX host, the nexthop domain; RFC 7672 3.2.2).
    /// </summary>
    public static bool Matches(X509Certificate2 leaf, X509Certificate2Collection presented, IReadOnlyList<TlsaData> records,
        IReadOnlyList<string> names)
    {
        if (records.Any(r => r.Usage == 3 && Matches(leaf, r)))
            return true;
        foreach (var r in records.Where(r => r.Usage == 2))
        {
            foreach (var anchor in presented)
            {
                if (anchor.RawData.AsSpan().SequenceEqual(leaf.RawData) || !Matches(anchor, r))
                    continue;
                using var chain = new X509Chain();
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(anchor);
                chain.ChainPolicy.ExtraStore.AddRange(presented);
                if (ChainsTo(chain, leaf, anchor)
                    && SmtpTls.CertificateNames(leaf).Any(n => names.Any(want => want.Length > 0 && SmtpTls.NameMatches(n, want))))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The leaf chains to the anchor. An anchor that is not self-signed (an intermediate) ends a
    /// "partial" chain for .NET; that is accepted when the chain ends at the anchor and nothing
    /// else (dates, signatures, usage) is wrong.
    /// </summary>
    private static bool ChainsTo(X509Chain chain, X509Certificate2 leaf, X509Certificate2 anchor)
    {
        if (chain.Build(leaf))
            return true;
        return chain.ChainElements.Count > 1
            && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(anchor.RawData)
            && chain.ChainStatus.All(s => s.Status is X509ChainStatusFlags.NoError or X509ChainStatusFlags.PartialChain);
    }

    private static bool Matches(X509Certificate2 cert, TlsaData r)
    {
        var data = r.Selector == 0 ? cert.RawData : cert.PublicKey.ExportSubjectPublicKeyInfo();
        var digest = r.MatchingType switch
        {
            1 => SHA256.HashData(data),
            2 => SHA512.HashData(data),
            _ => data,
        };
        return CryptographicOperations.FixedTimeEquals(digest, r.Data);
    }
}
