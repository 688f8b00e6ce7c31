using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// The TLS security level for one destination (postconf(5) smtp_tls_security_level,
/// smtp_tls_policy_maps, TLS_README "Client TLS security levels"): none, may, encrypt, verify,
/// secure, fingerprint, dane, dane-only (resolved per server by <see cref="SmtpDane"/> into
/// may, encrypt, or dane with the usable TLSA records). A policy table is searched with the nexthop as given
/// (<c>example.com</c>, <c>[mail.example.com]</c>, <c>[mail.example.com]:587</c>) and then
/// with parent domains (<c>.example.com</c>); its value is the level and optional attributes
/// (<c>match=</c> with names or fingerprints separated by ":").
/// </summary>
internal sealed record TlsPolicy(string Level, IReadOnlyList<string> Match)
{
    public static readonly TlsPolicy None = new("none", []);

    /// <summary>The usable TLSA records of the server (level dane, after <see cref="SmtpDane"/>).</summary>
    public IReadOnlyList<DnsLookup.TlsaData>? Tlsa { get; init; }

    /// <summary>True when TLS must succeed (encrypt or stronger).</summary>
    public bool Required => Level is "encrypt" or "verify" or "secure" or "fingerprint" or "dane" or "dane-only";

    /// <summary>True when the server certificate must be verified (chain and name, fingerprint, or TLSA).</summary>
    public bool Authenticated => Level is "verify" or "secure" or "fingerprint" or "dane" or "dane-only";

    /// <summary>The default level: smtp_tls_security_level, else the obsolete smtp_enforce_tls / smtp_use_tls.</summary>
    public static string DefaultLevel(MainConfig config, Func<string, string> name)
    {
        var level = config.Get(name("tls_security_level")).Trim().ToLowerInvariant();
        if (level.Length > 0)
            return level;
        if (config.GetBool(name("enforce_tls")))
            return config.GetBool(name("tls_enforce_peername")) ? "verify" : "encrypt";
        if (config.GetBool(name("use_tls")))
            return "may";
        return "none";
    }

    /// <summary>The policy for <paramref name="nexthop"/> (as the delivery request gives it).</summary>
    public static TlsPolicy For(SmtpClientSettings settings, string nexthop, Action<string> warn)
    {
        var text = settings.TlsSecurityLevel;
        if (settings.TlsPolicyMaps is { } maps)
        {
            try
            {
                var found = maps.Find(nexthop.ToLowerInvariant()) ?? ParentLookup(maps, nexthop);
                if (found is not null)
                    text = found;
            }
            catch (TableLookupException e)
            {
                warn($"TLS policy lookup for {nexthop}: {e.Message}");
                return new TlsPolicy("secure", []); // a lookup failure must not weaken security
            }
        }
        return Parse(text, settings, warn);
    }

    private static string? ParentLookup(TableList maps, string nexthop)
    {
        if (nexthop.StartsWith('['))
            return null;
        var domain = nexthop.Split(':')[0].ToLowerInvariant();
        for (int dot = domain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = domain.IndexOf('.', dot + 1))
        {
            var v = maps.Find(domain[dot..]);
            if (v is not null)
                return v;
        }
        return null;
    }

    internal static TlsPolicy Parse(string text, SmtpClientSettings settings, Action<string> warn)
    {
        var words = text.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
        var level = words.Length > 0 ? words[0].ToLowerInvariant() : "none";
        var match = new List<string>();
        // match= separates names with ":"; fingerprints contain ":" and are separated by "|".
        foreach (var w in words.Skip(1).Where(w => w.StartsWith("match=", StringComparison.OrdinalIgnoreCase)))
            match.AddRange(w[6..].Split(level == "fingerprint" ? '|' : ':', StringSplitOptions.RemoveEmptyEntries));
        switch (level)
        {
            case "none" or "may" or "encrypt" or "verify" or "secure" or "fingerprint" or "dane" or "dane-only":
                break;
            default:
                warn($"invalid TLS security level \"{level}\"; using \"secure\"");
                level = "secure";
                break;
        }
        if (match.Count == 0 && level == "verify")
            match.AddRange(settings.Config.GetList(settings.Lmtp ? "lmtp_tls_verify_cert_match" : "smtp_tls_verify_cert_match"));
        if (match.Count == 0 && level == "secure")
            match.AddRange(settings.Config.GetList(settings.Lmtp ? "lmtp_tls_secure_cert_match" : "smtp_tls_secure_cert_match"));
        return new TlsPolicy(level, match);
    }
}
