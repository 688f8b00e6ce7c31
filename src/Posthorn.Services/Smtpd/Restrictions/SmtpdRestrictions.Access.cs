using Posthorn.Core.Matching;

namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>access(5) tables: the lookup orders of check_*_access and the actions a result names.</summary>
public sealed partial class SmtpdRestrictions
{
    private async ValueTask<(int Status, bool Found)> CheckAccessAsync(SmtpdCheckState s, string table, string key, bool partial,
        string replyName, string replyClass, string? defAcl)
    {
        var value = _maps.Find(table, key.ToLowerInvariant(), partial);
        return value is null ? (Dunno, false) : (await TableResultAsync(s, table, value, key, replyName, replyClass, defAcl), true);
    }

    /// <summary>A host or domain name, then its parent domains ("domain" or ".domain" per parent_domain_matches_subdomains).</summary>
    private async ValueTask<(int Status, bool Found)> CheckDomainAccessAsync(SmtpdCheckState s, string table, string domain, string replyName,
        string replyClass, string? defAcl)
    {
        var name = domain.ToLowerInvariant();
        bool partial = false;
        bool numeric = System.Net.IPAddress.TryParse(domain.Trim('[', ']'), out _);
        while (name.Length > 0)
        {
            var value = _maps.Find(table, name, partial);
            if (value is not null)
                return (await TableResultAsync(s, table, value, domain, replyName, replyClass, defAcl), true);
            if (numeric)
                break;
            int dot = name.IndexOf('.', 1);
            if (dot < 0)
                break;
            name = _accessParentStyle ? name[(dot + 1)..] : name[dot..];
            partial = true;
        }
        return (Dunno, false);
    }

    /// <summary>An address, then shorter prefixes: 192.0.2.1, 192.0.2, 192.0, 192 (IPv6 by ':' groups).</summary>
    private async ValueTask<(int Status, bool Found)> CheckAddressAccessAsync(SmtpdCheckState s, string table, string address, string replyName,
        string replyClass, string? defAcl)
    {
        char delim = address.Contains(':', StringComparison.Ordinal) ? ':' : '.';
        var key = address.ToLowerInvariant();
        bool partial = false;
        while (key.Length > 0)
        {
            var value = _maps.Find(table, key, partial);
            if (value is not null)
                return (await TableResultAsync(s, table, value, address, replyName, replyClass, defAcl), true);
            int cut = key.LastIndexOf(delim);
            if (cut <= 0)
                break;
            key = key[..cut];
            partial = true;
        }
        return (Dunno, false);
    }

    /// <summary>check_client_access: the client name (and parents), then its address (and prefixes).</summary>
    private async ValueTask<int> CheckNameAddressAccessAsync(SmtpdCheckState s, string table, string name, string address, string replyName,
        string replyClass, string? defAcl)
    {
        var (status, found) = await CheckDomainAccessAsync(s, table, name, replyName, replyClass, defAcl);
        if (status != Dunno || found)
            return status;
        return (await CheckAddressAccessAsync(s, table, address, replyName, replyClass, defAcl)).Status;
    }

    /// <summary>check_sender_access, check_recipient_access: user+ext@domain, user@domain, domain and parents, user+ext@, user@.</summary>
    private async ValueTask<int> CheckMailAccessAsync(SmtpdCheckState s, string table, string address, string replyClass, string? defAcl)
    {
        var resolved = _resolver.Resolve(address, replyClass == ReplyClass.Sender ? s.Recipient ?? "" : s.Sender ?? "");
        if (resolved.Failed)
            throw DictRetry(s, address);
        var strategy = AddrFindStrategy.Full | AddrFindStrategy.NoExtension | AddrFindStrategy.Domain | AddrFindStrategy.LocalpartAt
            | (_accessParentStyle ? AddrFindStrategy.ParentDomainMatchesSubdomains : AddrFindStrategy.ParentDomainDotMatchesSubdomains);
        var (value, _) = MailAddrFind.Find(_maps, [table], resolved.Recipient, strategy, _delimiter);
        if (value is null)
            return Dunno;
        int status = await TableResultAsync(s, table, value, resolved.Recipient, address, replyClass, defAcl);
        bool suspicious = !_config.GetBool("allow_untrusted_routing") && resolved.IsRouted && replyClass == ReplyClass.Recipient;
        return status == Ok && suspicious ? Dunno : status;
    }

    /// <summary>check_table_result(): what an access table's answer means.</summary>
    private async ValueTask<int> TableResultAsync(SmtpdCheckState s, string table, string value, string datum, string replyName, string replyClass, string? defAcl)
    {
        int sp = value.IndexOfAny([' ', '\t']);
        var command = sp < 0 ? value : value[..sp];
        var text = sp < 0 ? "" : value[sp..].TrimStart();
        switch (command.ToUpperInvariant())
        {
            case "DUNNO":
                return Dunno;
            case "REJECT":
            {
                var (dsn, why) = SmtpdDsn.Split("5.7.1", text);
                return RejectWith(s, ErrorClass.Policy, _config.GetInt("access_map_reject_code"), SmtpdDsn.Fix(dsn, replyClass),
                    $"<{replyName}>: {replyClass} rejected: {(why.Length > 0 ? why : "Access denied")}");
            }
            case "DEFER":
            {
                var (dsn, why) = SmtpdDsn.Split("4.7.1", text);
                return RejectWith(s, ErrorClass.Policy, _config.GetInt("access_map_defer_code"), SmtpdDsn.Fix(dsn, replyClass),
                    $"<{replyName}>: {replyClass} rejected: {(why.Length > 0 ? why : "Access denied")}");
            }
            case "INFO":
                LogWhatsup(s, "info", text);
                return Dunno;
            case "WARN":
                LogWhatsup(s, "warn", text);
                return Dunno;
            case "HANGUP":
                LogWhatsup(s, "hangup", text);
                s.Hangup = true;
                throw new CheckAbortException(RejectWith(s, ErrorClass.Policy, 421, "4.7.0", $"{replyClass} rejected: connection dropped"));
            case "FILTER":
                if (text.Length == 0 || !text.Contains(':', StringComparison.Ordinal))
                {
                    _log.Warning(_service, $"access table {table} entry \"{datum}\" requires transport:destination");
                    return Dunno;
                }
                LogWhatsup(s, "filter", $"<{replyName}>: {replyClass} triggers FILTER {text}");
                s.Filter = text;
                return Dunno;
            case "HOLD":
                LogWhatsup(s, "hold", $"<{replyName}>: {replyClass} {(text.Length > 0 ? text : "triggers HOLD action")}");
                s.HoldReason ??= text.Length > 0 ? text : "triggers HOLD action";
                return Dunno;
            case "DISCARD":
                LogWhatsup(s, "discard", $"<{replyName}>: {replyClass} {(text.Length > 0 ? text : "triggers DISCARD action")}");
                s.Discard = true;
                return Ok;
            case "REDIRECT":
                if (!text.Contains('@', StringComparison.Ordinal))
                {
                    _log.Warning(_service, $"access table {table} entry \"{datum}\" requires user@domain target");
                    return Dunno;
                }
                LogWhatsup(s, "redirect", $"<{replyName}>: {replyClass} triggers REDIRECT {text}");
                s.Redirect = text;
                return Dunno;
            case "BCC":
                if (!text.Contains('@', StringComparison.Ordinal))
                {
                    _log.Warning(_service, $"access table {table} entry \"{datum}\" requires user@domain target");
                    return Dunno;
                }
                LogWhatsup(s, "bcc", $"<{replyName}>: {replyClass} triggers BCC {text}");
                s.Bcc.Add(text);
                return Dunno;
            case "DEFER_IF_PERMIT":
            {
                var (dsn, why) = SmtpdDsn.Split("4.7.1", text);
                return DeferIfPermit(s, ErrorClass.Policy, _config.GetInt("access_map_defer_code"), SmtpdDsn.Fix(dsn, replyClass),
                    $"<{replyName}>: {replyClass} rejected: {why}", always: true);
            }
            case "DEFER_IF_REJECT":
            {
                var (dsn, why) = SmtpdDsn.Split("4.7.1", text);
                s.DeferIfReject.Set(ErrorClass.Policy, _config.GetInt("access_map_defer_code"), SmtpdDsn.Fix(dsn, replyClass),
                    $"<{replyName}>: {replyClass} rejected: {why}");
                return Dunno;
            }
            case "PREPEND":
                if (s.Where == "END-OF-MESSAGE")
                {
                    _log.Warning(_service, $"access table {table}: action PREPEND must be used before smtpd_end_of_data_restrictions");
                    return Dunno;
                }
                if (text.Length == 0 || text.IndexOf(':', StringComparison.Ordinal) <= 0)
                {
                    _log.Warning(_service, $"access table {table} entry \"{datum}\" requires header: text");
                    return Dunno;
                }
                s.Prepend.Add(text);
                return Dunno;
            case "OK":
            case "RELAY":
                return Ok;
        }
        if (command.All(char.IsAsciiDigit))
        {
            if (command.Length == 3 && text.Length > 0 && (command[0] == '4' || command[0] == '5'))
            {
                var (dsn, why) = SmtpdDsn.Split(command[0] + ".7.1", text);
                return RejectWith(s, ErrorClass.Policy, int.Parse(command, System.Globalization.CultureInfo.InvariantCulture),
                    SmtpdDsn.Fix(dsn, replyClass), $"<{replyName}>: {replyClass} rejected: {why}");
            }
            return Ok;
        }
        if (value.Contains(':', StringComparison.Ordinal))
        {
            _log.Warning(_service, $"access table {table} has entry with lookup table: {value}");
            _log.Warning(_service, "do not specify lookup tables inside SMTPD access maps");
            _log.Warning(_service, "define a restriction class and specify its name instead.");
            throw ServerError(s);
        }
        if (s.Recursion > 100)
        {
            _log.Warning(_service, $"access table {table} entry {value} causes unreasonable recursion");
            throw ServerError(s);
        }
        var restrictions = RestrictionList.Split(value);
        if (restrictions.Count == 0)
            return Ok;
        return await GenericChecksAsync(s, restrictions, replyName, replyClass, defAcl, CancellationToken.None);
    }
}
