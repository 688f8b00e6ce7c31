using System.Net;
using Posthorn.Core.Addressing;
using Posthorn.Core.Matching;

namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>The individual checks of smtpd_check: host names, addresses, relay authorization, sender logins.</summary>
public sealed partial class SmtpdRestrictions
{
    private int RejectInvalidHostname(SmtpdCheckState s, string name, string replyClass)
    {
        if (name.StartsWith('['))
            return RejectInvalidHostAddress(s, name, replyClass);
        var test = TrimOneDot(name);
        if (!DomainSyntax.IsValid(test) && !Core.Addressing.HostAddressSyntax.IsValid(test))
            return RejectWith(s, ErrorClass.Policy, _config.GetInt("invalid_hostname_reject_code"), "5.5.2", $"<{name}>: {replyClass} rejected: Invalid name");
        return Dunno;
    }

    private int RejectInvalidHostAddress(SmtpdCheckState s, string literal, string replyClass)
    {
        var inner = literal.Length > 2 && literal[0] == '[' && literal[^1] == ']' ? literal[1..^1] : literal;
        if (inner.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase))
            inner = inner[5..];
        if (!Core.Addressing.HostAddressSyntax.IsValid(inner))
            return RejectWith(s, ErrorClass.Policy, _config.GetInt("invalid_hostname_reject_code"), "5.5.2", $"<{literal}>: {replyClass} rejected: invalid ip address");
        return Dunno;
    }

    private int RejectNonFqdnHostname(SmtpdCheckState s, string name, string replyClass)
    {
        if (name.StartsWith('['))
            return RejectInvalidHostAddress(s, name, replyClass);
        var test = TrimOneDot(name);
        if (!DomainSyntax.IsValid(test) || !test.Contains('.', StringComparison.Ordinal))
            return RejectWith(s, ErrorClass.Policy, _config.GetInt("non_fqdn_reject_code"), "5.5.2", $"<{name}>: {replyClass} rejected: need fully-qualified hostname");
        return Dunno;
    }

    private int RejectNonFqdnAddress(SmtpdCheckState s, string address, string replyClass)
    {
        int at = address.LastIndexOf('@');
        var domain = at < 0 ? "" : address[(at + 1)..];
        if (domain.StartsWith('[') && domain.EndsWith(']'))
            return Dunno;
        var test = TrimOneDot(domain);
        if (test.Length == 0 || !DomainSyntax.IsValid(test) || !test.Contains('.', StringComparison.Ordinal))
            return RejectWith(s, ErrorClass.Policy, _config.GetInt("non_fqdn_reject_code"), "4.5.2", $"<{address}>: {replyClass} rejected: need fully-qualified address");
        return Dunno;
    }

    private async ValueTask<int> RejectUnknownHostnameAsync(SmtpdCheckState s, string name, string replyClass, CancellationToken ct)
    {
        if (name.StartsWith('['))
            return RejectInvalidHostAddress(s, name, replyClass);
        var status = await _dns.LookupHostAsync(TrimOneDot(name), ct);
        return status switch
        {
            DnsLookupStatus.Ok or DnsLookupStatus.NullMx => Dunno,
            DnsLookupStatus.Retry => TempFail(s, "unknown_helo_hostname_tempfail_action", 450, "4.7.1", $"<{name}>: {replyClass} rejected: Host not found"),
            _ => RejectWith(s, ErrorClass.Policy, _config.GetInt("unknown_hostname_reject_code"), "4.7.1",
                $"<{name}>: {replyClass} rejected: {(status == DnsLookupStatus.Invalid ? "Malformed DNS server reply" : "Host not found")}"),
        };
    }

    /// <summary>reject_unknown_sender_domain / reject_unknown_recipient_domain: no MX and no address record.</summary>
    private async ValueTask<int> RejectUnknownAddressAsync(SmtpdCheckState s, string address, string replyClass, CancellationToken ct)
    {
        var r = _resolver.Resolve(address, replyClass == ReplyClass.Sender ? s.Recipient ?? "" : s.Sender ?? "");
        if (r.Failed)
            throw DictRetry(s, address);
        if (!r.Recipient.Contains('@', StringComparison.Ordinal) || IsFinal(r.Class))
            return Dunno;
        var domain = r.Domain;
        if (domain.StartsWith('[') && domain.EndsWith(']'))
            return Dunno;
        bool sender = replyClass == ReplyClass.Sender;
        var status = await _dns.LookupMailHostAsync(domain, ct);
        return status switch
        {
            DnsLookupStatus.Ok => Dunno,
            DnsLookupStatus.NullMx => RejectWith(s, ErrorClass.Policy, sender ? 550 : 556, sender ? "4.7.27" : "4.1.10",
                $"<{address}>: {replyClass} rejected: Domain {domain} does not accept mail (nullMX)"),
            DnsLookupStatus.Retry => TempFail(s, "unknown_address_tempfail_action", 450, sender ? "4.1.8" : "4.1.2",
                $"<{address}>: {replyClass} rejected: Domain not found"),
            _ => RejectWith(s, ErrorClass.Policy, _config.GetInt("unknown_address_reject_code"), sender ? "4.1.8" : "4.1.2",
                $"<{address}>: {replyClass} rejected: {(status == DnsLookupStatus.Invalid ? "Malformed DNS server reply" : "Domain not found")}"),
        };
    }

    /// <summary>permit_auth_destination: the recipient is ours (local, virtual) or one we relay for (relay_domains).</summary>
    private bool PermitAuthDestination(SmtpdCheckState s, string recipient)
    {
        var r = _resolver.Resolve(recipient, s.Sender ?? "");
        if (r.Failed)
            throw DictRetry(s, recipient);
        if (!r.Recipient.Contains('@', StringComparison.Ordinal))
            return true;
        if (!_config.GetBool("allow_untrusted_routing") && r.IsRouted)
            return false;
        return IsFinal(r.Class) || r.Class == AddressClass.Relay;
    }

    private int RejectUnauthDestination(SmtpdCheckState s, string recipient, int code, string dsn) =>
        PermitAuthDestination(s, recipient) ? Dunno
            : RejectWith(s, ErrorClass.Policy, code, dsn, $"<{recipient}>: Relay access denied");

    private static bool IsFinal(AddressClass c) => c is AddressClass.Local or AddressClass.VirtualAlias or AddressClass.VirtualMailbox;

    /// <summary>
    /// check_rcpt_maps(): is the address a known user of its class? Canonical and virtual alias
    /// entries count; then local_recipient_maps (local), virtual_mailbox_maps (virtual),
    /// relay_recipient_maps (relay). Unknown: "550 5.1.1 &lt;a&gt;: Recipient address rejected: User
    /// unknown in local recipient table".
    /// </summary>
    private int CheckRcptMaps(SmtpdCheckState s, string address, string replyClass)
    {
        bool sender = replyClass == ReplyClass.Sender;
        if (sender)
            s.SenderRcptMapChecked = true;
        else
            s.RecipientRcptMapChecked = true;
        var r = _resolver.Resolve(address, sender ? s.Recipient ?? "" : s.Sender ?? "");
        if (r.Failed)
            throw DictRetry(s, address);
        if (Found("recipient_canonical_maps", r.Recipient)
            || (sender && Found("sender_canonical_maps", r.Recipient))
            || Found("canonical_maps", r.Recipient)
            || Found("virtual_alias_maps", r.Recipient))
            return Dunno;
        string unknownDsn = sender ? "5.1.0" : "5.1.1";
        if (r.Transport == "error")
        {
            var (dsn, why) = SmtpdDsn.Split(unknownDsn, r.Nexthop);
            int code = r.Class == AddressClass.VirtualAlias ? _config.GetInt("unknown_virtual_alias_reject_code") : 550;
            return RejectWith(s, ErrorClass.Bounce, code, SmtpdDsn.Fix(dsn, replyClass), $"<{address}>: {replyClass} rejected: {why}");
        }
        if (r.Transport == "retry")
        {
            var (dsn, why) = SmtpdDsn.Split(sender ? "4.1.0" : "4.1.1", r.Nexthop);
            return RejectWith(s, ErrorClass.Bounce, 450, SmtpdDsn.Fix(dsn, replyClass), $"<{address}>: {replyClass} rejected: {why}");
        }
        bool showTable = _config.GetBool("show_user_unknown_table_name");
        string? table = null;
        int rejectCode = 550;
        switch (r.Class)
        {
            case AddressClass.Local:
                if (_config.Get("local_recipient_maps").Trim().Length > 0 && !IsSpecialLocal(r.Recipient)
                    && !Found("local_recipient_maps", r.Recipient))
                    (table, rejectCode) = ("local recipient table", _config.GetInt("unknown_local_recipient_reject_code"));
                break;
            case AddressClass.VirtualMailbox:
                if (_config.Get("virtual_mailbox_maps").Trim().Length > 0 && !Found("virtual_mailbox_maps", r.Recipient))
                    (table, rejectCode) = ("virtual mailbox table", _config.GetInt("unknown_virtual_mailbox_reject_code"));
                break;
            case AddressClass.Relay:
                if (_config.Get("relay_recipient_maps").Trim().Length > 0 && !Found("relay_recipient_maps", r.Recipient))
                    (table, rejectCode) = ("relay recipient table", _config.GetInt("unknown_relay_recipient_reject_code"));
                break;
        }
        if (table is null)
            return Dunno;
        return RejectWith(s, ErrorClass.Bounce, rejectCode, unknownDsn,
            $"<{address}>: {replyClass} rejected: User unknown{(showTable ? " in " + table : "")}");
    }

    /// <summary>The double-bounce sender, postmaster and MAILER-DAEMON are always valid local recipients.</summary>
    private bool IsSpecialLocal(string recipient)
    {
        int at = recipient.LastIndexOf('@');
        var local = at < 0 ? recipient : recipient[..at];
        return local.Equals(_config.Get("double_bounce_sender"), StringComparison.OrdinalIgnoreCase)
            || local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
            || local.Equals("MAILER-DAEMON", StringComparison.OrdinalIgnoreCase);
    }

    private bool Found(string parameter, string address) => FindAddress(parameter, address) is not null;

    private string? FindAddress(string parameter, string address) =>
        MailAddrFind.Find(_maps, _config.GetList(parameter), address, AddrFindStrategy.Default, _delimiter,
            _resolver.LocalDomains.IsLocal).Value;

    private int RejectAuthSenderLoginMismatch(SmtpdCheckState s, string sender, bool allowUnknown)
    {
        if (s.SaslUsername is null || _config.GetList("smtpd_sender_login_maps").Count == 0)
            return Dunno;
        var r = _resolver.Resolve(sender, s.Recipient ?? "");
        if (r.Failed)
            throw DictRetry(s, sender);
        var owners = FindAddress("smtpd_sender_login_maps", r.Recipient);
        if (owners is null && allowUnknown)
            return Dunno;
        if (owners is not null && owners.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .Any(o => o.Equals(s.SaslUsername, StringComparison.OrdinalIgnoreCase)))
            return Dunno;
        return RejectWith(s, ErrorClass.Policy, 553, "5.7.1", $"<{sender}>: Sender address rejected: not owned by user {s.SaslUsername}");
    }

    private int RejectUnauthSenderLoginMismatch(SmtpdCheckState s, string sender)
    {
        if (s.SaslUsername is not null || _config.GetList("smtpd_sender_login_maps").Count == 0)
            return Dunno;
        var r = _resolver.Resolve(sender, s.Recipient ?? "");
        if (r.Failed)
            throw DictRetry(s, sender);
        return FindAddress("smtpd_sender_login_maps", r.Recipient) is null ? Dunno
            : RejectWith(s, ErrorClass.Policy, 553, "5.7.1", $"<{sender}>: Sender address rejected: not logged in");
    }

    private static string TrimOneDot(string name) =>
        name.Length > 1 && name[^1] == '.' && name[^2] != '.' ? name[..^1] : name;
}
