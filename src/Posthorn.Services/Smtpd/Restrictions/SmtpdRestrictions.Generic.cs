namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>generic_checks(): one restriction list, first decision wins.</summary>
public sealed partial class SmtpdRestrictions
{
    internal const string CheckClientAcl = "check_client_access";
    internal const string CheckReverseClientAcl = "check_reverse_client_access";
    internal const string CheckHeloAcl = "check_helo_access";
    internal const string CheckSenderAcl = "check_sender_access";
    internal const string CheckRecipientAcl = "check_recipient_access";
    internal const string CheckEtrnAcl = "check_etrn_access";

    private async ValueTask<int> GenericChecksAsync(SmtpdCheckState s, IReadOnlyList<string> list, string replyName,
        string replyClass, string? defAcl, CancellationToken ct)
    {
        int savedRecursion = s.Recursion++;
        int status = Dunno;
        try
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (s.Discard)
                    break;
                var name = list[i];
                string? table = null;
                if (name.Equals("warn_if_reject", StringComparison.OrdinalIgnoreCase))
                {
                    if (s.WarnIfReject == 0)
                        s.WarnIfReject = s.Recursion;
                    continue;
                }
                if (name.Contains(':', StringComparison.Ordinal))
                {
                    if (defAcl is null)
                    {
                        _log.Warning(_service, $"specify one of (check_client_access, check_reverse_client_access, check_helo_access, check_sender_access, check_recipient_access, check_etrn_access) before {replyClass} restriction \"{name}\"");
                        throw ServerError(s);
                    }
                    table = name;
                    name = defAcl;
                }
                status = await DispatchAsync(s, list, ref i, name, table, replyName, replyClass, defAcl, ct);
                if (s.WarnIfReject >= s.Recursion)
                    s.WarnIfReject = 0;
                if (status != Dunno)
                    break;
                if (s.DeferIfPermit.Active && s.DeferIfReject.Active)
                    break;
            }
        }
        finally
        {
            s.Recursion = savedRecursion;
            if (s.WarnIfReject >= s.Recursion)
                s.WarnIfReject = 0;
        }
        return status;
    }

    /// <summary>One restriction by name; <paramref name="i"/> advances past any arguments it takes.</summary>
    private ValueTask<int> DispatchAsync(SmtpdCheckState s, IReadOnlyList<string> list, ref int i, string name, string? table,
        string replyName, string replyClass, string? defAcl, CancellationToken ct)
    {
        string NextArg(ref int idx, string what)
        {
            if (table is not null)
            {
                var t = table;
                table = null;
                return t;
            }
            if (idx + 1 >= list.Count)
            {
                _log.Warning(_service, $"restriction {name} requires {what} argument");
                throw ServerError(s);
            }
            return list[++idx];
        }

        switch (name.ToLowerInvariant())
        {
            case "permit":
                WarnIgnoredAfter(list, i, name);
                return Done(Ok);
            case "defer":
                return Done(RejectWith(s, ErrorClass.Policy, _config.GetInt("defer_code"), "4.3.2", $"<{replyName}>: {replyClass} rejected: Try again later"));
            case "reject":
                return Done(RejectWith(s, ErrorClass.Policy, _config.GetInt("reject_code"), "5.7.1", $"<{replyName}>: {replyClass} rejected: Access denied"));
            case "reject_unauth_pipelining":
                return Done(s.IllegalPipelining
                    ? RejectWith(s, ErrorClass.Protocol, 503, "5.5.0", $"<{replyName}>: {replyClass} rejected: Improper use of SMTP command pipelining")
                    : Dunno);
            case "defer_if_permit":
                return Done(DeferIfPermit(s, ErrorClass.Policy, 450, "4.7.0", $"<{replyName}>: {replyClass} rejected: defer_if_permit requested", always: true));
            case "defer_if_reject":
                s.DeferIfReject.Set(ErrorClass.Policy, 450, "4.7.0", $"<{replyName}>: {replyClass} rejected: defer_if_reject requested");
                return Done(Dunno);
            case "sleep":
            {
                var arg = NextArg(ref i, "a number");
                if (!int.TryParse(arg, out var seconds) || seconds < 0)
                {
                    _log.Warning(_service, "restriction sleep must be followed by number");
                    throw ServerError(s);
                }
                return SleepAsync(seconds, ct);
            }
            case "reject_plaintext_session":
                return Done(s.TlsActive ? Dunno : RejectWith(s, ErrorClass.Policy, _config.GetInt("plaintext_reject_code"), "4.7.1", "Session encryption is required"));
            case "reject_unknown_client_hostname":
            case "reject_unknown_client":
                return Done(s.ClientNameStatus == PeerNameStatus.Ok ? Dunno
                    : RejectWith(s, ErrorClass.Policy, s.ClientNameStatus >= PeerNameStatus.Permanent ? _config.GetInt("unknown_client_reject_code") : 450,
                        "4.7.25", $"Client host rejected: cannot find your hostname, [{s.ClientAddressText}]"));
            case "reject_unknown_reverse_client_hostname":
                return Done(s.ReverseNameStatus == PeerNameStatus.Ok ? Dunno
                    : RejectWith(s, ErrorClass.Policy, s.ReverseNameStatus >= PeerNameStatus.Permanent ? _config.GetInt("unknown_client_reject_code") : 450,
                        "4.7.1", $"Client host rejected: cannot find your reverse hostname, [{s.ClientAddressText}]"));
            case "permit_inet_interfaces":
                return Done(_ownAddresses.Contains(s.ClientAddress) ? Ok : Dunno);
            case "permit_mynetworks":
                return Done(_mynetworks.Matches(s.ClientName, s.ClientAddress) ? Ok : Dunno);
            case CheckClientAcl:
                return CheckNameAddressAccessAsync(s, NextArg(ref i, "a table"), s.ClientName, s.ClientAddressText, s.NameAddress, ReplyClass.Client, defAcl);
            case CheckReverseClientAcl:
                return CheckNameAddressAccessAsync(s, NextArg(ref i, "a table"), s.ReverseClientName, s.ClientAddressText, s.ReverseClientName, ReplyClass.ReverseClient, defAcl);
            case CheckHeloAcl:
            {
                var t = NextArg(ref i, "a table");
                return s.HeloName is null ? Done(Dunno) : StatusOf(CheckDomainAccessAsync(s, t, s.HeloName, s.HeloName, ReplyClass.Helo, defAcl));
            }
            case "reject_invalid_helo_hostname":
            case "reject_invalid_hostname":
                return Done(s.HeloName is null ? Dunno : RejectInvalidHostname(s, s.HeloName, ReplyClass.Helo));
            case "reject_non_fqdn_helo_hostname":
            case "reject_non_fqdn_hostname":
                return Done(s.HeloName is null ? Dunno : RejectNonFqdnHostname(s, s.HeloName, ReplyClass.Helo));
            case "reject_unknown_helo_hostname":
            case "reject_unknown_hostname":
                return s.HeloName is null ? Done(Dunno) : RejectUnknownHostnameAsync(s, s.HeloName, ReplyClass.Helo, ct);
            case CheckSenderAcl:
            {
                var t = NextArg(ref i, "a table");
                if (s.Sender is null)
                    return Done(Dunno);
                if (s.Sender.Length == 0)
                    return StatusOf(CheckAccessAsync(s, t, _config.Get("smtpd_null_access_lookup_key"), partial: false, s.Sender, ReplyClass.Sender, defAcl));
                return CheckMailAccessAsync(s, t, s.Sender, ReplyClass.Sender, defAcl);
            }
            case "reject_unknown_sender_domain":
            case "reject_unknown_address":
                return string.IsNullOrEmpty(s.Sender) ? Done(Dunno) : RejectUnknownAddressAsync(s, s.Sender, ReplyClass.Sender, ct);
            case "reject_non_fqdn_sender":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno : RejectNonFqdnAddress(s, s.Sender, ReplyClass.Sender));
            case "reject_unlisted_sender":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno : CheckRcptMaps(s, s.Sender, ReplyClass.Sender));
            case "reject_sender_login_mismatch":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno
                    : s.SaslUsername is not null ? RejectAuthSenderLoginMismatch(s, s.Sender, allowUnknown: false)
                    : RejectUnauthSenderLoginMismatch(s, s.Sender));
            case "reject_authenticated_sender_login_mismatch":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno : RejectAuthSenderLoginMismatch(s, s.Sender, allowUnknown: false));
            case "reject_known_sender_login_mismatch":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno
                    : s.SaslUsername is not null ? RejectAuthSenderLoginMismatch(s, s.Sender, allowUnknown: true)
                    : RejectUnauthSenderLoginMismatch(s, s.Sender));
            case "reject_unauthenticated_sender_login_mismatch":
                return Done(string.IsNullOrEmpty(s.Sender) ? Dunno : RejectUnauthSenderLoginMismatch(s, s.Sender));
            case CheckRecipientAcl:
            {
                var t = NextArg(ref i, "a table");
                return s.Recipient is null ? Done(Dunno) : CheckMailAccessAsync(s, t, s.Recipient, ReplyClass.Recipient, defAcl);
            }
            case "permit_auth_destination":
                return Done(s.Recipient is not null && PermitAuthDestination(s, s.Recipient) ? Ok : Dunno);
            case "reject_unauth_destination":
                return Done(s.Recipient is null ? Dunno : RejectUnauthDestination(s, s.Recipient, _config.GetInt("relay_domains_reject_code"), "5.7.1"));
            case "defer_unauth_destination":
                return Done(s.Recipient is null ? Dunno : RejectUnauthDestination(s, s.Recipient, _config.GetInt("relay_domains_reject_code") - 100, "4.7.1"));
            case "permit_sasl_authenticated":
                return Done(s.SaslMethod is not null && !s.SaslMethod.Equals("anonymous", StringComparison.OrdinalIgnoreCase) ? Ok : Dunno);
            case "permit_tls_clientcerts":
            case "permit_tls_all_clientcerts":
                // Client certificates are not requested by this smtpd, so no client presents one.
                return Done(Dunno);
            case "reject_unknown_recipient_domain":
                return s.Recipient is null ? Done(Dunno) : RejectUnknownAddressAsync(s, s.Recipient, ReplyClass.Recipient, ct);
            case "reject_non_fqdn_recipient":
                return Done(s.Recipient is null ? Dunno : RejectNonFqdnAddress(s, s.Recipient, ReplyClass.Recipient));
            case "reject_unlisted_recipient":
            case "check_recipient_maps":
                return Done(string.IsNullOrEmpty(s.Recipient) ? Dunno : CheckRcptMaps(s, s.Recipient, ReplyClass.Recipient));
            case "reject_multi_recipient_bounce":
                return Done(s.Sender is { Length: 0 } && s.RecipientCount > (s.Where == "RCPT" ? 0 : 1)
                    ? RejectWith(s, ErrorClass.Policy, _config.GetInt("multi_recipient_bounce_reject_code"), "5.5.3", $"<{replyName}>: {replyClass} rejected: Multi-recipient bounce")
                    : Dunno);
            case CheckEtrnAcl:
            {
                var t = NextArg(ref i, "a table");
                return s.EtrnName is null ? Done(Dunno) : StatusOf(CheckDomainAccessAsync(s, t, s.EtrnName, s.EtrnName, ReplyClass.Etrn, defAcl));
            }
        }
        if (_classes.TryGetValue(name, out var classList))
            return GenericChecksAsync(s, classList, replyName, replyClass, defAcl, ct);
        _log.Warning(_service, $"unknown smtpd restriction: \"{name}\"");
        throw ServerError(s);
    }

    private static ValueTask<int> Done(int status) => ValueTask.FromResult(status);

    private static async ValueTask<int> StatusOf(ValueTask<(int Status, bool Found)> lookup) => (await lookup).Status;

    private static async ValueTask<int> SleepAsync(int seconds, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        return Dunno;
    }

    private void WarnIgnoredAfter(IReadOnlyList<string> list, int i, string name)
    {
        if (i + 1 < list.Count)
            _log.Warning(_service, $"restriction `{list[i + 1]}' after `{name}' is ignored");
    }
}
