namespace Posthorn.Core.Config;

/// <summary>
/// Parameters only Posthorn has (Postfix has no equivalent), one section per service; each has
/// its name, default and kind like Postfix's own (docs/parameters.md lists them). Postfix's
/// parameters are in Defaults/postfix-3.7-defaults.cf and never here.
/// </summary>
public static class PosthornParameters
{
    public static IReadOnlyList<ParameterDefinition> All { get; } =
    [
        // The user database and DNS (all services).
        new("posthorn_user_database", ""),
        new("posthorn_dns_servers", "", ParameterKind.List),

        // pop3d (docs/pop3d.md).
        new("pop3d_tls_cert_file", "$smtpd_tls_cert_file"),
        new("pop3d_tls_key_file", "$smtpd_tls_key_file"),
        new("pop3d_tls_protocols", "$smtpd_tls_protocols", ParameterKind.List),
        new("pop3d_tls_security_level", "may"),
        new("pop3d_tls_wrappermode", "no", ParameterKind.Boolean),
        new("pop3d_disable_plaintext_auth", "yes", ParameterKind.Boolean),
        new("pop3d_timeout", "600s", ParameterKind.Time),
        new("pop3d_login_failure_delay", "2s", ParameterKind.Time),
        new("pop3d_enable_apop", "no", ParameterKind.Boolean),
        new("pop3d_sasl_mechanisms", "PLAIN", ParameterKind.List),
        new("pop3d_banner", "$mail_name ready."),

        // imapd (docs/imapd.md).
        new("imapd_max_line_length", "65536", ParameterKind.Integer),
        new("imapd_max_literal_size", "$message_size_limit", ParameterKind.Long),
        new("imapd_timeout", "30m", ParameterKind.Time),
        new("imapd_login_timeout", "180s", ParameterKind.Time),
        new("imapd_login_failure_delay", "2s", ParameterKind.Time),
        new("imapd_disable_plaintext_auth", "yes", ParameterKind.Boolean),
        new("imapd_tls_wrappermode", "no", ParameterKind.Boolean),
        new("imapd_hard_error_limit", "20", ParameterKind.Integer),
        new("imapd_tls_cert_file", "$smtpd_tls_cert_file"),
        new("imapd_tls_key_file", "$smtpd_tls_key_file"),

        // lmtpd (docs/lmtpd.md).
        new("lmtpd_timeout", "300s", ParameterKind.Time),
        new("lmtpd_banner", "$myhostname $mail_name LMTP ready"),

        // local delivery and the privilege helper (docs/local.md).

        // smtpd additions (docs/smtpd.md).
        new("posthorn_smtpd_client_lookup_timeout", "10s", ParameterKind.Time),
        new("posthorn_smtpd_sasl_mechanisms", "PLAIN, LOGIN", ParameterKind.List),

        // smtp/lmtp client additions (docs/smtp.md).
    ];

    public static bool IsPosthornOwn(string name) => All.Any(p => p.Name == name);
}
