using System.Globalization;
using Posthorn.Core.Logging;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.SmtpClient;

/// <summary>The TLS handshake failed under level "may": reconnect and deliver in plaintext, as Postfix does.</summary>
internal sealed class TlsFallbackException(string reason) : Exception(reason);

/// <summary>
/// The start of a client conversation (smtp_proto.c smtp_helo): the server greeting, EHLO with
/// smtp_helo_name and HELO fallback (SMTP) or LHLO with lmtp_lhlo_name (LMTP), the server's
/// ESMTP keywords less smtp_discard_ehlo_keywords, the "greeted me with my own hostname" loop
/// check, and STARTTLS per the destination's TLS policy, followed by a second EHLO. Returns null
/// when the connection is ready for mail, else the failure for every recipient ("host X refused
/// to talk to me: ...", "TLS is required, but was not offered by host X", "Server certificate
/// not verified"), then AUTH per smtp_sasl_* (<see cref="SmtpSasl"/>). Lost connections and timeouts throw <see cref="SmtpSessionException"/>.
/// </summary>
internal static class SmtpHandshake
{
    public static async Task<SmtpFailure?> RunAsync(SmtpConnection conn, SmtpClientSettings s, TlsPolicy policy,
        string nexthopDomain, bool plaintextOnly, MailLog log, string service, CancellationToken ct, string? destination = null)
    {
        destination ??= nexthopDomain;
        // An MX-found server: the destination is a domain, not [host] or an LMTP address.
        bool viaMx = !s.Lmtp && !destination.StartsWith('[') && conn.Target.UnixPath is null
            && !conn.Target.Host.Equals(destination.Split(':')[0], StringComparison.OrdinalIgnoreCase);
        var failure = await GreetAsync(conn, s, policy, nexthopDomain, destination, viaMx, plaintextOnly, log, service, ct);
        if (failure is not null)
            return failure;
        // AUTH after the last EHLO (smtp_sasl_proto.c); a verified peer was checked by GreetAsync.
        bool verified = conn.TlsSummary?.StartsWith("Verified", StringComparison.Ordinal) == true;
        return await s.Sasl.LoginAsync(conn, s, destination, verified, log, service, ct);
    }

    private static async Task<SmtpFailure?> GreetAsync(SmtpConnection conn, SmtpClientSettings s, TlsPolicy policy,
        string nexthopDomain, string destination, bool viaMx, bool plaintextOnly, MailLog log, string service, CancellationToken ct)
    {
        var target = conn.Target;
        var greeting = await conn.ReadReplyAsync(s.HeloTimeout, SmtpStage.Greeting.While, ct);
        if (greeting.Code / 100 != 2)
            return Refused(target, greeting) with { NonFinal = s.SkipFiveXxGreeting };

        var ehlo = await HelloAsync(conn, s, ct);
        if (ehlo is null or { Code: not (>= 200 and < 300) })
            return ehlo is null ? null : Refused(target, ehlo);

        if (!s.Lmtp && s.Config.Get("myhostname") is { Length: > 0 } me && target.Port == 25
            && FirstWord(ehlo.Lines[0]).Equals(me, StringComparison.OrdinalIgnoreCase))
        {
            log.Warning(service, $"host {target.NameAddrPort} replied to HELO/EHLO with my own hostname {me}");
            return new SmtpFailure(target.BestMx ? "5.4.6" : "4.4.6", $"mail for {nexthopDomain} loops back to myself");
        }

        if (policy.Level is "dane" or "dane-only")
        {
            var (effective, daneFailure) = await s.Dane.ResolveAsync(policy, target, destination, viaMx, m => log.Warning(service, m), ct);
            if (daneFailure is not null)
                return daneFailure;
            policy = effective;
        }

        if (policy.Level == "none" || plaintextOnly)
            return null;
        if (!conn.Keywords.Contains("STARTTLS"))
            return policy.Required ? new SmtpFailure("4.7.4", $"TLS is required, but was not offered by host {target.NameAddr}") : null;

        conn.Queue("STARTTLS\r\n");
        await conn.FlushAsync(s.StartTlsTimeout, SmtpStage.StartTls.While, ct);
        var reply = await conn.ReadReplyAsync(s.StartTlsTimeout, SmtpStage.StartTls.While, ct);
        if (reply.Code != 220)
        {
            if (policy.Required)
                return new SmtpFailure(Status(reply, "4.7.5")[0] == '5' ? "4.7.5" : Status(reply, "4.7.5"),
                    $"TLS is required, but host {target.NameAddr} refused to start TLS: {Text(reply)}");
            return null;
        }
        if (conn.HasPendingInput)
            throw new SmtpSessionException(SmtpBreak.Protocol, SmtpStage.StartTls.While, "unexpected data after the STARTTLS reply");
        TlsOutcome tls;
        try
        {
            tls = await SmtpTls.HandshakeAsync(conn.Stream, s, policy, target.Host, nexthopDomain, s.StartTlsTimeout, ct);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            log.Warning(service, $"TLS handshake failed with {target.NameAddrPort}: {e.Message}");
            if (!policy.Required)
                throw new TlsFallbackException(e.Message);
            return new SmtpFailure("4.7.5", "Cannot start TLS: handshake failure");
        }
        conn.Stream = tls.Stream;
        conn.TlsSummary = tls.Summary(target.NameAddrPort);
        log.Info(service, conn.TlsSummary);
        if (policy.Authenticated && !(policy.Level is "fingerprint" or "dane" ? tls.Matched : tls.Trusted && tls.Matched))
        {
            log.Info(service, $"server certificate verification failed for {target.NameAddrPort}: "
                + (tls.Trusted ? "certificate name does not match" : "untrusted issuer"));
            return new SmtpFailure("4.7.5", "Server certificate not verified");
        }
        ehlo = await HelloAsync(conn, s, ct);
        return ehlo is { Code: >= 200 and < 300 } ? null : Refused(target, ehlo!);
    }

    /// <summary>EHLO (HELO when EHLO is refused or smtp_never_send_ehlo), or LHLO; records the keywords.</summary>
    private static async Task<SmtpReply?> HelloAsync(SmtpConnection conn, SmtpClientSettings s, CancellationToken ct)
    {
        var stage = s.Lmtp ? SmtpStage.Lhlo : SmtpStage.Ehlo;
        SmtpReply reply;
        if (!s.NeverSendEhlo)
        {
            conn.Queue((s.Lmtp ? "LHLO " : "EHLO ") + s.HeloName + "\r\n");
            await conn.FlushAsync(s.HeloTimeout, stage.While, ct);
            reply = await conn.ReadReplyAsync(s.HeloTimeout, stage.While, ct);
            if (reply.Code / 100 == 2)
            {
                SetKeywords(conn, reply, s);
                return reply;
            }
            if (s.Lmtp)
                return reply;
        }
        conn.Queue("HELO " + s.HeloName + "\r\n");
        await conn.FlushAsync(s.HeloTimeout, SmtpStage.Helo.While, ct);
        reply = await conn.ReadReplyAsync(s.HeloTimeout, SmtpStage.Helo.While, ct);
        conn.Keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        conn.SizeLimit = 0;
        conn.AuthMechanisms = [];
        return reply;
    }

    private static void SetKeywords(SmtpConnection conn, SmtpReply reply, SmtpClientSettings s)
    {
        var keywords = SmtpClientCommands.Keywords(reply);
        keywords.ExceptWith(s.DiscardEhloKeywords);
        conn.Keywords = keywords;
        conn.SizeLimit = 0;
        conn.AuthMechanisms = SmtpSasl.OfferedMechanisms(reply.Lines.Skip(1));
        for (int i = 1; i < reply.Lines.Count; i++)
        {
            var words = reply.Lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0].Equals("SIZE", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && keywords.Contains("SIZE"))
                conn.SizeLimit = limit;
        }
        // A server offering SMTPUTF8 but not 8BITMIME gets 8-bit mail anyway, as Postfix does.
        if (keywords.Contains("SMTPUTF8"))
            keywords.Add("8BITMIME");
    }

    private static SmtpFailure Refused(SmtpTarget target, SmtpReply reply) =>
        new(Status(reply, reply.Code / 100 == 5 ? "5.0.0" : "4.0.0"), $"host {target.NameAddr} refused to talk to me: {Text(reply)}");

    private static string FirstWord(string s)
    {
        int sp = s.IndexOf(' ', StringComparison.Ordinal);
        return sp < 0 ? s : s[..sp];
    }

    /// <summary>The reply's enhanced status, else X.0.0 from its code (Postfix's default detail).</summary>
    public static string Status(SmtpReply reply, string fallback) =>
        reply.EnhancedStatus ?? (reply.Code / 100 is 2 or 4 or 5 ? $"{reply.Code / 100}.0.0" : fallback);

    /// <summary>The reply as Postfix quotes it in reasons: all lines, codes included, joined by spaces.</summary>
    public static string Text(SmtpReply reply) => reply.ToString().Replace("\r\n", " ", StringComparison.Ordinal).TrimEnd();
}
