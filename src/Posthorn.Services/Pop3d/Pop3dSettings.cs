using Posthorn.Core.Config;
using Posthorn.Core.Users;
using Posthorn.Services.MailStore;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Pop3d;

/// <summary>How TLS is offered (pop3d_tls_security_level, worded as Postfix's smtpd_tls_security_level).</summary>
internal enum Pop3dTlsLevel
{
    /// <summary>No STLS.</summary>
    None,

    /// <summary>STLS offered when a certificate is configured.</summary>
    May,

    /// <summary>STLS offered and required before any plaintext login, even from the local address.</summary>
    Encrypt,
}

/// <summary>
/// pop3d's main.cf settings (docs/pop3d.md): the user database, TLS (pop3d_tls_cert_file,
/// pop3d_tls_key_file, pop3d_tls_protocols, pop3d_tls_security_level, pop3d_tls_wrappermode),
/// pop3d_disable_plaintext_auth, pop3d_timeout, pop3d_login_failure_delay, pop3d_enable_apop,
/// pop3d_sasl_mechanisms, and the mailbox lock settings shared with delivery.
/// </summary>
internal sealed record Pop3dSettings(
    MainConfig Config,
    UserDatabase Users,
    TlsServerContext? Tls,
    Pop3dTlsLevel TlsLevel,
    bool WrapperMode,
    bool DisablePlaintextAuth,
    TimeSpan Timeout,
    TimeSpan LoginFailureDelay,
    bool EnableApop,
    IReadOnlyList<string> SaslMechanisms,
    MailboxLockOptions LockOptions)
{
    /// <summary>Reads the settings; throws <see cref="ConfigException"/> on a bad value.</summary>
    public static Pop3dSettings FromConfig(MainConfig config)
    {
        var level = config.Get("pop3d_tls_security_level").Trim().ToLowerInvariant() switch
        {
            "" or "none" => Pop3dTlsLevel.None,
            "may" => Pop3dTlsLevel.May,
            "encrypt" => Pop3dTlsLevel.Encrypt,
            var other => throw new ConfigException($"pop3d_tls_security_level: invalid value \"{other}\" (none, may or encrypt)"),
        };
        bool wrapper = config.GetBool("pop3d_tls_wrappermode");
        var tls = level != Pop3dTlsLevel.None || wrapper
            ? TlsServerContext.FromConfig(config, "pop3d_tls_cert_file", "pop3d_tls_key_file", "pop3d_tls_protocols")
            : null;
        if (tls is null && (wrapper || level == Pop3dTlsLevel.Encrypt))
            throw new ConfigException("pop3d_tls_wrappermode or pop3d_tls_security_level = encrypt needs pop3d_tls_cert_file");
        var mechanisms = config.GetList("pop3d_sasl_mechanisms").Select(m => m.ToUpperInvariant()).ToList();
        return new Pop3dSettings(
            config,
            UserDatabase.Load(config),
            tls,
            level,
            wrapper,
            config.GetBool("pop3d_disable_plaintext_auth"),
            config.GetTime("pop3d_timeout"),
            config.GetTime("pop3d_login_failure_delay"),
            config.GetBool("pop3d_enable_apop"),
            mechanisms,
            MailboxLockOptions.FromConfig(config));
    }
}
