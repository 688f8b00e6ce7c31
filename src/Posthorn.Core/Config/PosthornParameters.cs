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

        // imapd (docs/imapd.md).

        // lmtpd (docs/lmtpd.md).

        // local delivery and the privilege helper (docs/local.md).

        // smtpd additions (docs/smtpd.md).
        new("posthorn_smtpd_client_lookup_timeout", "10s", ParameterKind.Time),

        // smtp/lmtp client additions (docs/smtp.md).
    ];

    public static bool IsPosthornOwn(string name) => All.Any(p => p.Name == name);
}
