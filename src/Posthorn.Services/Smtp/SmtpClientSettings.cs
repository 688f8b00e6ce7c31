using System.Globalization;
using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// The main.cf parameters of one smtp(8) or lmtp(8) client, read once per service start. As in
/// Postfix, the same program reads <c>smtp_*</c> parameters in SMTP mode and <c>lmtp_*</c> in LMTP
/// mode (lmtp(8): smtp_helo_name becomes lmtp_lhlo_name, smtp_helo_timeout lmtp_lhlo_timeout).
/// A zero timeout means "no limit of our own" (lmtp_connect_timeout = 0s: the system's).
/// </summary>
internal sealed class SmtpClientSettings
{
    public SmtpClientSettings(MainConfig config, bool lmtp, Action<string>? warn = null)
    {
        Lmtp = lmtp;
        Config = config;
        string P(string suffix) => (lmtp ? "lmtp_" : "smtp_") + suffix;
        HeloName = config.Get(lmtp ? "lmtp_lhlo_name" : "smtp_helo_name");
        ConnectTimeout = config.GetTime(P("connect_timeout"));
        HeloTimeout = config.GetTime(lmtp ? "lmtp_lhlo_timeout" : "smtp_helo_timeout");
        MailTimeout = config.GetTime(P("mail_timeout"));
        RcptTimeout = config.GetTime(P("rcpt_timeout"));
        DataInitTimeout = config.GetTime(P("data_init_timeout"));
        DataXferTimeout = config.GetTime(P("data_xfer_timeout"));
        DataDoneTimeout = config.GetTime(P("data_done_timeout"));
        QuitTimeout = config.GetTime(P("quit_timeout"));
        RsetTimeout = config.GetTime(P("rset_timeout"));
        StartTlsTimeout = config.GetTime(P("starttls_timeout"));
        MxAddressLimit = config.GetInt(P("mx_address_limit"));
        MxSessionLimit = config.GetInt(P("mx_session_limit"));
        FallbackRelay = config.GetList(P("fallback_relay"));
        BindAddress = config.Get(P("bind_address"));
        BindAddress6 = config.Get(P("bind_address6"));
        HostLookup = config.GetList(P("host_lookup"));
        DisableDns = config.GetBool("disable_dns_lookups");
        DiscardEhloKeywords = new HashSet<string>(config.GetList(lmtp ? "lmtp_discard_lhlo_keywords" : "smtp_discard_ehlo_keywords"),
            StringComparer.OrdinalIgnoreCase);
        CacheOnDemand = config.GetBool(P("connection_cache_on_demand"));
        CacheDestinations = config.GetList(P("connection_cache_destinations"));
        CacheTimeLimit = config.GetTime(P("connection_cache_time_limit"));
        ReuseTimeLimit = config.GetTime(P("connection_reuse_time_limit"));
        ReuseCountLimit = config.GetInt(P("connection_reuse_count_limit"));
        TlsConnectionReuse = config.GetBool(P("tls_connection_reuse"));
        SkipFiveXxGreeting = config.GetBool(P("skip_5xx_greeting"));
        DeferIfNoMxAddress = config.GetBool(P("defer_if_no_mx_address_found"));
        NeverSendEhlo = !lmtp && config.GetBool("smtp_never_send_ehlo");
        TlsCaFile = config.Get(P("tls_CAfile"));
        TlsCaPath = config.Get(P("tls_CApath"));
        TlsServerName = config.Get(P("tls_servername"));
        TlsSecurityLevel = TlsPolicy.DefaultLevel(config, P);
        var policyMaps = config.Get(P("tls_policy_maps"));
        TlsPolicyMaps = string.IsNullOrWhiteSpace(policyMaps) ? null : TableList.FromParameter(P("tls_policy_maps"), config, warn);
        Sasl = new SmtpSasl(config, lmtp, warn);
        Dane = new SmtpDane(config, lmtp);
        DisableMimeOutputConversion = config.GetBool("disable_mime_output_conversion");
        DefaultPort = lmtp ? ResolvePort(config, config.Get("lmtp_tcp_port"), 24) : ResolvePort(config, config.Get("smtp_tcp_port"), 25);
    }

    public MainConfig Config { get; }
    public bool Lmtp { get; }
    public string HeloName { get; }
    public TimeSpan ConnectTimeout { get; }
    public TimeSpan HeloTimeout { get; }
    public TimeSpan MailTimeout { get; }
    public TimeSpan RcptTimeout { get; }
    public TimeSpan DataInitTimeout { get; }
    public TimeSpan DataXferTimeout { get; }
    public TimeSpan DataDoneTimeout { get; }
    public TimeSpan QuitTimeout { get; }
    public TimeSpan RsetTimeout { get; }
    public TimeSpan StartTlsTimeout { get; }
    public int MxAddressLimit { get; }
    public int MxSessionLimit { get; }
    public IReadOnlyList<string> FallbackRelay { get; }
    public string BindAddress { get; }
    public string BindAddress6 { get; }
    public IReadOnlyList<string> HostLookup { get; }
    public bool DisableDns { get; }
    public ISet<string> DiscardEhloKeywords { get; }
    public bool CacheOnDemand { get; }
    public IReadOnlyList<string> CacheDestinations { get; }
    public TimeSpan CacheTimeLimit { get; }
    public TimeSpan ReuseTimeLimit { get; }
    public int ReuseCountLimit { get; }

    /// <summary>smtp_tls_connection_reuse: TLS connections are cached only when set.</summary>
    public bool TlsConnectionReuse { get; }
    public bool SkipFiveXxGreeting { get; }
    public bool DeferIfNoMxAddress { get; }
    public bool NeverSendEhlo { get; }
    public string TlsCaFile { get; }
    public string TlsCaPath { get; }
    public string TlsServerName { get; }
    public string TlsSecurityLevel { get; }
    public TableList? TlsPolicyMaps { get; }

    /// <summary>disable_mime_output_conversion: no 8BITMIME to 7BIT conversion (<see cref="MimeDowngrade"/>).</summary>
    public bool DisableMimeOutputConversion { get; }

    /// <summary>DANE TLSA lookups for levels dane and dane-only.</summary>
    public SmtpDane Dane { get; }

    /// <summary>SMTP client AUTH: smtp_sasl_* (lmtp_sasl_*).</summary>
    public SmtpSasl Sasl { get; }

    /// <summary>smtp_tcp_port (or lmtp_tcp_port) as a number.</summary>
    public int DefaultPort { get; }

    /// <summary>"smtp" or "lmtp": the protocol name in messages (non-ESMTP response, ...).</summary>
    public string Protocol => Lmtp ? "LMTP" : "ESMTP";

    /// <summary>True when DNS lookups are used for host names (smtp_host_lookup contains dns and disable_dns_lookups is off).</summary>
    public bool UseDns => !DisableDns && HostLookup.Any(h => h.Equals("dns", StringComparison.OrdinalIgnoreCase));

    /// <summary>A port: a number, a known_tcp_ports name, a name in /etc/services, else <paramref name="fallback"/>.</summary>
    public static int ResolvePort(MainConfig config, string text, int fallback)
    {
        text = text.Trim();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65536)
            return n;
        foreach (var item in config.GetList("known_tcp_ports"))
        {
            var names = item.Split('=', StringSplitOptions.TrimEntries);
            if (names.Length >= 2 && names.Take(names.Length - 1).Contains(text, StringComparer.OrdinalIgnoreCase)
                && int.TryParse(names[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                return p;
            if (names.Length >= 2 && names.Take(names.Length - 1).Contains(text, StringComparer.OrdinalIgnoreCase))
                return ResolvePort(config, names[^1], fallback);
        }
        try
        {
            foreach (var line in File.ReadLines("/etc/services"))
            {
                var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && f[0] == text && f[1].EndsWith("/tcp", StringComparison.Ordinal)
                    && int.TryParse(f[1][..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var sp))
                    return sp;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return fallback;
    }
}
