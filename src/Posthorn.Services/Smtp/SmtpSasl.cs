using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Maps;
using Posthorn.Core.Logging;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// SMTP client AUTH (RFC 4954) as smtp(8) and SASL_README ("Enabling SASL authentication in the
/// Postfix SMTP client") describe it, with the PLAIN (RFC 4616) and LOGIN mechanisms:
/// <c>smtp_sasl_auth_enable</c>; <c>smtp_sasl_password_maps</c> looked up by the remote host
/// name, then by the destination as given (<c>[host]:port</c>, <c>[host]</c>, <c>domain</c>),
/// value <c>username:password</c>; <c>smtp_sasl_mechanism_filter</c> (a list, <c>!name</c>
/// excludes); <c>smtp_sasl_security_options</c> outside TLS, <c>smtp_sasl_tls_security_options</c>
/// inside TLS and <c>smtp_sasl_tls_verified_security_options</c> with a verified peer. PLAIN and
/// LOGIN are plaintext mechanisms: <c>noplaintext</c> (the default), <c>noactive</c>,
/// <c>nodictionary</c> or <c>mutual_auth</c> rule them out, as Cyrus SASL does.
/// <c>smtp_sasl_auth_soft_bounce</c> turns a 5xx AUTH reply into a deferral. lmtp(8) reads the
/// same parameters with the <c>lmtp_</c> prefix.
/// </summary>
internal sealed class SmtpSasl
{
    private static readonly string[] Supported = ["PLAIN", "LOGIN"];

    private readonly TableList? _passwords;
    private readonly IReadOnlyList<string> _filter;
    private readonly IReadOnlyList<string> _options;
    private readonly IReadOnlyList<string> _tlsOptions;
    private readonly IReadOnlyList<string> _tlsVerifiedOptions;

    public SmtpSasl(MainConfig config, bool lmtp, Action<string>? warn = null)
    {
        string P(string suffix) => (lmtp ? "lmtp_" : "smtp_") + suffix;
        Enabled = config.GetBool(P("sasl_auth_enable"));
        SoftBounce = config.GetBool(P("sasl_auth_soft_bounce"));
        _filter = config.GetList(P("sasl_mechanism_filter"));
        _options = config.GetList(P("sasl_security_options"));
        _tlsOptions = config.GetList(P("sasl_tls_security_options"));
        _tlsVerifiedOptions = config.GetList(P("sasl_tls_verified_security_options"));
        if (Enabled)
        {
            if (string.IsNullOrWhiteSpace(config.Get(P("sasl_password_maps"))))
                throw new ConfigException($"specify a password table via the `{P("sasl_password_maps")}' configuration parameter");
            _passwords = TableList.FromParameter(P("sasl_password_maps"), config, warn);
        }
    }

    public bool Enabled { get; }

    public bool SoftBounce { get; }

    /// <summary>The SASL mechanisms of an EHLO reply's AUTH line(s) ("AUTH PLAIN LOGIN", or the old "AUTH=PLAIN").</summary>
    public static List<string> OfferedMechanisms(IEnumerable<string> ehloLines)
    {
        var found = new List<string>();
        foreach (var line in ehloLines)
        {
            if (line.Length < 5 || !line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) || line[4] is not (' ' or '='))
                continue;
            foreach (var m in line[5..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (!found.Contains(m, StringComparer.OrdinalIgnoreCase))
                    found.Add(m.ToUpperInvariant());
        }
        return found;
    }

    /// <summary>The offered mechanisms that pass smtp_sasl_mechanism_filter (empty filter: all).</summary>
    public IReadOnlyList<string> Filter(IReadOnlyList<string> offered)
    {
        if (_filter.Count == 0)
            return offered;
        return offered.Where(m =>
        {
            foreach (var f in _filter)
            {
                bool negate = f.StartsWith('!');
                if ((negate ? f[1..] : f).Equals(m, StringComparison.OrdinalIgnoreCase))
                    return !negate;
            }
            return false;
        }).ToList();
    }

    /// <summary>The mechanism to use, PLAIN before LOGIN, or null when the security options allow none.</summary>
    public string? Choose(IReadOnlyList<string> offered, bool tls, bool verified)
    {
        var options = verified ? _tlsVerifiedOptions : tls ? _tlsOptions : _options;
        if (options.Any(o => o.ToLowerInvariant() is "noplaintext" or "noactive" or "nodictionary" or "mutual_auth"))
            return null;
        return Supported.FirstOrDefault(m => offered.Contains(m, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>"username:password" for the remote host, else for the destination; null when neither is listed.</summary>
    public (string User, string Password)? PasswordFor(string host, string destination)
    {
        var value = _passwords?.Find(host.ToLowerInvariant()) ?? _passwords?.Find(destination.ToLowerInvariant());
        if (value is null)
            return null;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (value, "") : (value[..colon], value[(colon + 1)..]);
    }

    /// <summary>The initial response of PLAIN: authzid (empty) NUL authcid NUL password, base64.</summary>
    public static string PlainResponse(string user, string password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));

    /// <summary>
    /// Logs in after EHLO when enabled, the server offers AUTH and a password is listed. Returns
    /// null to go on with mail (logged in, or nothing to do), else the failure for every recipient:
    /// "SASL authentication failed; cannot authenticate to server X: no mechanism available"
    /// (4.7.0) or "SASL authentication failed; server X said: 535 ..." (4.x with soft bounce).
    /// </summary>
    public async Task<SmtpFailure?> LoginAsync(SmtpConnection conn, SmtpClientSettings s, string destination, bool verified,
        MailLog log, string service, CancellationToken ct)
    {
        if (!Enabled || conn.AuthMechanisms.Count == 0 || !conn.Keywords.Contains("AUTH"))
            return null;
        var target = conn.Target;
        (string User, string Password)? credentials;
        try
        {
            credentials = PasswordFor(target.Host, destination);
        }
        catch (TableLookupException e)
        {
            log.Warning(service, $"{_passwords!.Parameter} lookup error for \"{target.Host}\": {e.Message}");
            return new SmtpFailure("4.3.0", "SASL authentication failed; table lookup problem");
        }
        if (credentials is not { } c)
            return null;
        var offered = Filter(conn.AuthMechanisms);
        if (offered.Count == 0)
        {
            log.Warning(service, $"{target.NameAddrPort} offered no supported AUTH mechanisms: '{string.Join(' ', conn.AuthMechanisms)}'");
            return null;
        }
        var mechanism = Choose(offered, conn.TlsSummary is not null, verified);
        if (mechanism is null)
            return new SmtpFailure("4.7.0", $"SASL authentication failed; cannot authenticate to server {target.NameAddr}: no mechanism available");

        var stage = SmtpStage.Auth;
        conn.Queue(mechanism == "PLAIN" ? $"AUTH PLAIN {PlainResponse(c.User, c.Password)}\r\n" : "AUTH LOGIN\r\n");
        await conn.FlushAsync(s.HeloTimeout, stage.While, ct);
        var reply = await conn.ReadReplyAsync(s.HeloTimeout, stage.While, ct);
        for (int step = 0; reply.Code == 334; step++)
        {
            if (mechanism != "LOGIN" || step >= 2)
            {
                conn.Queue("*\r\n");
                await conn.FlushAsync(s.HeloTimeout, stage.While, ct);
                await conn.ReadReplyAsync(s.HeloTimeout, stage.While, ct);
                return new SmtpFailure("4.7.0", $"SASL authentication failed; cannot authenticate to server {target.NameAddr}: unexpected challenge");
            }
            var answer = step == 0 ? c.User : c.Password;
            conn.Queue(Convert.ToBase64String(Encoding.UTF8.GetBytes(answer)) + "\r\n");
            await conn.FlushAsync(s.HeloTimeout, stage.While, ct);
            reply = await conn.ReadReplyAsync(s.HeloTimeout, stage.While, ct);
        }
        if (reply.Code / 100 == 2)
            return null;
        var status = SmtpHandshake.Status(reply, reply.Code / 100 == 5 ? "5.7.0" : "4.7.0");
        if (SoftBounce && status[0] == '5')
            status = "4" + status[1..];
        return new SmtpFailure(status, $"SASL authentication failed; server {target.NameAddr} said: {SmtpHandshake.Text(reply)}");
    }
}
