using Posthorn.Core.Config;
using Posthorn.Core.Users;
using Posthorn.Protocols.Sasl;
using Posthorn.Services.Sasl;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Smtpd;

/// <summary>The smtpd TLS level as postconf(5) smtpd_tls_security_level names it.</summary>
public enum SmtpdTlsLevel
{
    None,
    May,
    Encrypt,
}

/// <summary>
/// smtpd(8)'s TLS and SASL parameters (postconf(5)): smtpd_tls_security_level (with the legacy
/// smtpd_use_tls / smtpd_enforce_tls when it is empty), smtpd_tls_cert_file / smtpd_tls_key_file,
/// smtpd_tls_protocols or, at level encrypt, smtpd_tls_mandatory_protocols,
/// smtpd_tls_wrappermode, smtpd_starttls_timeout, smtpd_tls_auth_only, smtpd_sasl_auth_enable,
/// smtpd_sasl_security_options / smtpd_sasl_tls_security_options (noanonymous, noplaintext),
/// broken_sasl_auth_clients, and the users of posthorn_user_database.
/// </summary>
public sealed class SmtpdSecuritySettings
{
    public SmtpdSecuritySettings(MainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var level = config.Get("smtpd_tls_security_level").Trim().ToLowerInvariant();
        if (level.Length == 0)
            level = config.GetBool("smtpd_enforce_tls") ? "encrypt" : config.GetBool("smtpd_use_tls") ? "may" : "none";
        Level = level switch
        {
            "none" => SmtpdTlsLevel.None,
            "may" => SmtpdTlsLevel.May,
            "encrypt" => SmtpdTlsLevel.Encrypt,
            _ => throw new ConfigException($"invalid smtpd_tls_security_level value: \"{level}\""),
        };
        WrapperMode = config.GetBool("smtpd_tls_wrappermode");
        StartTlsTimeout = config.GetTime("smtpd_starttls_timeout");
        if (Level != SmtpdTlsLevel.None || WrapperMode)
        {
            Tls = TlsServerContext.FromConfig(config, "smtpd_tls_cert_file", "smtpd_tls_key_file",
                Level == SmtpdTlsLevel.Encrypt ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols");
            if (Tls is null && config.Get("smtpd_tls_chain_files").Trim() is { Length: > 0 } chain)
            {
                // smtpd_tls_chain_files: a file holding the key and its certificate chain.
                var first = chain.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0];
                Tls = TlsServerContext.FromFiles(first, first, config.Get(Level == SmtpdTlsLevel.Encrypt ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols"));
            }
        }
        AuthOnly = config.GetBool("smtpd_tls_auth_only") || Level == SmtpdTlsLevel.Encrypt;
        SaslEnabled = config.GetBool("smtpd_sasl_auth_enable");
        SecurityOptions = new HashSet<string>(config.GetList("smtpd_sasl_security_options"), StringComparer.OrdinalIgnoreCase);
        TlsSecurityOptions = new HashSet<string>(config.GetList("smtpd_sasl_tls_security_options"), StringComparer.OrdinalIgnoreCase);
        BrokenSaslAuthClients = config.GetBool("broken_sasl_auth_clients");
        if (SaslEnabled && UserDatabase.PathFrom(config) is string path)
            UsersFile = new UserDatabaseFile(path, _ => { });
        ServerMechanisms = config.GetList("posthorn_smtpd_sasl_mechanisms").Select(m => m.ToUpperInvariant())
            .Where(m => m is "PLAIN" or "LOGIN" or "SCRAM-SHA-256").Distinct().ToList();
        ScramLookup = UserScramLookup.For(u => UsersFile?.Current.Find(u));
    }

    public SmtpdTlsLevel Level { get; }

    /// <summary>smtpd_starttls_timeout: the time limit of the TLS handshake.</summary>
    public TimeSpan StartTlsTimeout { get; }

    /// <summary>The certificate and protocols; null when TLS is off or no certificate is configured.</summary>
    public TlsServerContext? Tls { get; }

    /// <summary>smtpd_tls_wrappermode: TLS from the first byte (submissions, port 465).</summary>
    public bool WrapperMode { get; }

    /// <summary>smtpd_tls_auth_only (implied by level encrypt): AUTH only inside TLS.</summary>
    public bool AuthOnly { get; }

    public bool SaslEnabled { get; }

    public IReadOnlySet<string> SecurityOptions { get; }

    public IReadOnlySet<string> TlsSecurityOptions { get; }

    public bool BrokenSaslAuthClients { get; }

    /// <summary>posthorn_user_database, re-read when it changes; null when none is configured.</summary>
    public UserDatabaseFile? UsersFile { get; }

    /// <summary>posthorn_smtpd_sasl_mechanisms: what the server side supports (Dovecot's auth_mechanisms), before the security options.</summary>
    public IReadOnlyList<string> ServerMechanisms { get; }

    /// <summary>SCRAM-SHA-256 credentials from the user database (docs/users.md).</summary>
    public Func<string, ScramCredentials?> ScramLookup { get; }

    /// <summary>
    /// The mechanisms offered on a connection with or without TLS: posthorn_smtpd_sasl_mechanisms
    /// less the plaintext ones (PLAIN, LOGIN) under the noplaintext security option.
    /// </summary>
    public IReadOnlyList<string> Mechanisms(bool tlsActive)
    {
        if (!SaslEnabled || (AuthOnly && !tlsActive))
            return [];
        var options = tlsActive ? TlsSecurityOptions : SecurityOptions;
        return options.Contains("noplaintext") ? ServerMechanisms.Where(m => m == "SCRAM-SHA-256").ToList() : ServerMechanisms;
    }
}
