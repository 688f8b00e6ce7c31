using Posthorn.Core.Config;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// The main.cf parameters smtpd(8) reads, read once per service start (with the master.cf
/// entry's -o overrides): names and defaults are Postfix's (postconf(5)).
/// </summary>
public sealed class SmtpdSettings
{
    public SmtpdSettings(MainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        MyHostname = config.Get("myhostname");
        Banner = config.Get("smtpd_banner");
        MessageSizeLimit = config.GetLong("message_size_limit");
        LineLengthLimit = config.GetInt("line_length_limit");
        RecipientLimit = config.GetInt("smtpd_recipient_limit");
        Timeout = config.GetTime("smtpd_timeout");
        HardErrorLimit = config.GetInt("smtpd_hard_error_limit");
        SoftErrorLimit = config.GetInt("smtpd_soft_error_limit");
        ErrorSleepTime = config.GetTime("smtpd_error_sleep_time");
        JunkCommandLimit = config.GetInt("smtpd_junk_command_limit");
        ConnectionCountLimit = config.GetInt("smtpd_client_connection_count_limit");
        ConnectionRateLimit = config.GetInt("smtpd_client_connection_rate_limit");
        AnvilRateTimeUnit = config.GetTime("anvil_rate_time_unit");
        DisableVrfy = config.GetBool("disable_vrfy_command");
        DiscardEhloKeywords = config.GetList("smtpd_discard_ehlo_keywords");
        SmtpUtf8 = config.GetBool("smtputf8_enable");
        StrictSmtpUtf8 = config.GetBool("strict_smtputf8");
        HeloRequired = config.GetBool("smtpd_helo_required");
        StrictRfc821 = config.GetBool("strict_rfc821_envelopes");
        QueueMinfree = config.GetLong("queue_minfree");
        ForbidUnauthPipelining = config.GetBool("smtpd_forbid_unauth_pipelining");
        BareNewline = BareNewlinePolicies.TryParse(config.Get("smtpd_forbid_bare_newline"), out var policy) ? policy : BareNewlinePolicy.No;
        BareNewlineRejectCode = config.GetInt("smtpd_forbid_bare_newline_reject_code");
        ContentFilter = config.Get("content_filter");
        DelayReject = config.GetBool("smtpd_delay_reject");
        NoopCommands = new HashSet<string>(config.GetList("smtpd_noop_commands"), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>smtpd_noop_commands: commands answered with 250 and otherwise ignored.</summary>
    public IReadOnlySet<string> NoopCommands { get; }

    public string MyHostname { get; }

    /// <summary>smtpd_banner, expanded ("$myhostname ESMTP $mail_name").</summary>
    public string Banner { get; }

    public long MessageSizeLimit { get; }

    public int LineLengthLimit { get; }

    public int RecipientLimit { get; }

    public TimeSpan Timeout { get; }

    public int HardErrorLimit { get; }

    public int SoftErrorLimit { get; }

    public TimeSpan ErrorSleepTime { get; }

    public int JunkCommandLimit { get; }

    public int ConnectionCountLimit { get; }

    public int ConnectionRateLimit { get; }

    public TimeSpan AnvilRateTimeUnit { get; }

    public bool DisableVrfy { get; }

    public IReadOnlyList<string> DiscardEhloKeywords { get; }

    public bool SmtpUtf8 { get; }

    public bool StrictSmtpUtf8 { get; }

    public bool HeloRequired { get; }

    public bool StrictRfc821 { get; }

    public long QueueMinfree { get; }

    public bool ForbidUnauthPipelining { get; }

    public BareNewlinePolicy BareNewline { get; }

    public int BareNewlineRejectCode { get; }

    public string ContentFilter { get; }

    public bool DelayReject { get; }
}
