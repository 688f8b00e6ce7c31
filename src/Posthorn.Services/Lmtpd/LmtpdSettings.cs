using Posthorn.Core.Config;
using Posthorn.Core.Users;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// lmtpd's main.cf settings (docs/lmtpd.md): the user database whose users are the valid
/// recipients, message_size_limit, line_length_limit, smtpd_recipient_limit (the most
/// recipients per transaction), recipient_delimiter, lmtpd_timeout, lmtpd_banner, and the
/// mailbox lock settings shared with delivery.
/// </summary>
internal sealed record LmtpdSettings(
    MainConfig Config,
    UserDatabase Users,
    long MessageSizeLimit,
    int LineLengthLimit,
    int RecipientLimit,
    string RecipientDelimiter,
    TimeSpan Timeout,
    string Banner,
    string MyHostname,
    MailboxLockOptions LockOptions)
{
    public static LmtpdSettings FromConfig(MainConfig config) => new(
        config,
        UserDatabase.Load(config),
        config.GetLong("message_size_limit"),
        Math.Max(1, config.GetInt("line_length_limit")),
        Math.Max(1, config.GetInt("smtpd_recipient_limit")),
        config.Get("recipient_delimiter"),
        config.GetTime("lmtpd_timeout"),
        config.Get("lmtpd_banner"),
        config.Get("myhostname"),
        MailboxLockOptions.FromConfig(config));
}
