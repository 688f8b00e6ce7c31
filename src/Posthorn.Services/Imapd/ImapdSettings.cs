using Posthorn.Core.Config;
using Posthorn.Protocols.Imap;

namespace Posthorn.Services.Imapd;

/// <summary>
/// The imapd service's main.cf parameters (docs/imapd.md): imapd_max_line_length,
/// imapd_max_literal_size (default $message_size_limit), imapd_timeout (RFC 3501 section 5.4:
/// the autologout timer is at least 30 minutes once logged in), imapd_login_timeout (shorter,
/// before login), imapd_login_failure_delay, imapd_disable_plaintext_auth (Dovecot's
/// disable_plaintext_auth), imapd_tls_wrappermode (port 993), imapd_hard_error_limit (BAD replies before
/// the connection is closed, as smtpd_hard_error_limit), imapd_tls_cert_file/key_file.
/// </summary>
internal sealed record ImapdSettings(
    ImapLimits Limits,
    TimeSpan Timeout,
    TimeSpan LoginTimeout,
    TimeSpan LoginFailureDelay,
    bool DisablePlaintextAuth,
    bool WrapperMode,
    int HardErrorLimit,
    string CertFile,
    string KeyFile)
{
    public static ImapdSettings FromConfig(MainConfig config)
    {
        var literal = config.GetLong("imapd_max_literal_size");
        return new ImapdSettings(
            new ImapLimits
            {
                MaxLineLength = Math.Max(1024, config.GetInt("imapd_max_line_length")),
                MaxLiteralSize = literal <= 0 ? Array.MaxLength : literal,
            },
            config.GetTime("imapd_timeout"),
            config.GetTime("imapd_login_timeout"),
            config.GetTime("imapd_login_failure_delay"),
            config.GetBool("imapd_disable_plaintext_auth"),
            config.GetBool("imapd_tls_wrappermode"),
            Math.Max(1, config.GetInt("imapd_hard_error_limit")),
            config.Get("imapd_tls_cert_file"),
            config.Get("imapd_tls_key_file"));
    }
}
