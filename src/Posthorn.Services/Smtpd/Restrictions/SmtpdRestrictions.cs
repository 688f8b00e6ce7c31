using System.Net;
using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Matching;

namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>
/// smtpd's access restrictions (smtpd_check): smtpd_client_restrictions,
/// smtpd_helo_restrictions, smtpd_sender_restrictions, smtpd_relay_restrictions,
/// smtpd_recipient_restrictions, smtpd_etrn_restrictions, smtpd_data_restrictions and
/// smtpd_end_of_data_restrictions, evaluated as postconf(5) and SMTPD_ACCESS_README describe:
/// first match decides within a list; with smtpd_delay_reject the client, helo and sender lists
/// are evaluated again at RCPT time; warn_if_reject, defer_if_permit and defer_if_reject change
/// what a later decision means; smtpd_restriction_classes name reusable lists; access(5) tables
/// answer with actions. Each stage returns the SMTP reply text to send when it rejects, or null.
/// Rejections are logged in Postfix's form ("NOQUEUE: reject: RCPT from ...").
/// </summary>
public sealed partial class SmtpdRestrictions
{
    internal const int Dunno = 0;
    internal const int Ok = 1;
    internal const int Reject = 2;

    private readonly MainConfig _config;
    private readonly IMapResolver _maps;
    private readonly AddressResolver _resolver;
    private readonly IMailHostLookup _dns;
    private readonly MailLog _log;
    private readonly string _service;
    private readonly NetworkList _mynetworks;
    private readonly HashSet<IPAddress> _ownAddresses;
    private readonly Dictionary<string, IReadOnlyList<string>> _classes = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyList<string> _clientChecks, _heloChecks, _mailChecks, _relayChecks, _rcptChecks, _etrnChecks, _dataChecks, _eodChecks;
    private readonly string _delimiter;
    private readonly bool _accessParentStyle;

    public SmtpdRestrictions(MainConfig config, IMapResolver maps, AddressResolver resolver, IMailHostLookup dns, MailLog log, string service = "smtpd")
    {
        _config = config;
        _maps = maps;
        _resolver = resolver;
        _dns = dns;
        _log = log;
        _service = service;
        _mynetworks = NetworkList.ForParameter(config, "mynetworks", maps);
        _ownAddresses = LocalDomains.InterfaceAddresses(config.GetList("inet_interfaces"));
        foreach (var a in LocalDomains.InterfaceAddresses(config.GetList("proxy_interfaces")))
            _ownAddresses.Add(a);
        _clientChecks = RestrictionList.Split(config.Get("smtpd_client_restrictions"));
        _heloChecks = RestrictionList.Split(config.Get("smtpd_helo_restrictions"));
        _mailChecks = RestrictionList.Split(config.Get("smtpd_sender_restrictions"));
        _relayChecks = RestrictionList.Split(config.Get("smtpd_relay_restrictions"));
        _rcptChecks = RestrictionList.Split(config.Get("smtpd_recipient_restrictions"));
        _etrnChecks = RestrictionList.Split(config.Get("smtpd_etrn_restrictions"));
        _dataChecks = RestrictionList.Split(config.Get("smtpd_data_restrictions"));
        _eodChecks = RestrictionList.Split(config.Get("smtpd_end_of_data_restrictions"));
        foreach (var name in config.GetList("smtpd_restriction_classes"))
            _classes[name] = RestrictionList.Split(config.Get(name));
        _delimiter = config.Get("recipient_delimiter");
        _accessParentStyle = DomainList.IsParentStyle(config, "smtpd_access_maps");
    }

    /// <summary>The address resolver the restrictions use (trivial-rewrite's resolve).</summary>
    public AddressResolver Resolver => _resolver;

    public bool DelayReject => _config.GetBool("smtpd_delay_reject");

    public ValueTask<string?> CheckClientAsync(SmtpdCheckState s, CancellationToken ct = default)
    {
        s.DeferIfPermit.Active = false;
        return RunStageAsync(s, _clientChecks, s.NameAddress, ReplyClass.Client, CheckClientAcl,
            after: st => st.DeferIfPermitClient = st.DeferIfPermit.Active, ct);
    }

    public async ValueTask<string?> CheckHeloAsync(SmtpdCheckState s, string? helo, CancellationToken ct = default)
    {
        if (helo is null)
            return null;
        var saved = s.HeloName;
        s.HeloName = helo;
        try
        {
            s.DeferIfPermit.Active = s.DeferIfPermitClient;
            return await RunStageAsync(s, _heloChecks, helo, ReplyClass.Helo, CheckHeloAcl,
                after: st => st.DeferIfPermitHelo = st.DeferIfPermit.Active, ct);
        }
        finally
        {
            s.HeloName = saved;
        }
    }

    public async ValueTask<string?> CheckMailAsync(SmtpdCheckState s, string? sender, CancellationToken ct = default)
    {
        if (sender is null)
            return null;
        var saved = s.Sender;
        s.Sender = sender;
        try
        {
            s.DeferIfPermit.Active = s.DeferIfPermitClient || s.DeferIfPermitHelo;
            s.SenderRcptMapChecked = false;
            var reply = await RunStageAsync(s, _mailChecks, sender, ReplyClass.Sender, CheckSenderAcl,
                after: st => st.DeferIfPermitSender = st.DeferIfPermit.Active, ct);
            if (reply is null && _config.GetBool("smtpd_reject_unlisted_sender") && !s.SenderRcptMapChecked
                && !s.Discard && sender.Length > 0)
            {
                reply = await GuardAsync(s, () => ValueTask.FromResult(CheckRcptMaps(s, sender, ReplyClass.Sender))) == Reject ? s.ErrorText : null;
            }
            return reply;
        }
        finally
        {
            s.Sender = saved;
        }
    }

    /// <summary>RCPT TO: the delayed client/helo/sender checks, then the relay and recipient lists, then recipient validation.</summary>
    public async ValueTask<string?> CheckRcptAsync(SmtpdCheckState s, string recipient, CancellationToken ct = default)
    {
        if (recipient.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            return null;
        var saved = s.Recipient;
        s.Recipient = recipient;
        try
        {
            s.RecipientRcptMapChecked = false;
            if (DelayReject)
            {
                var early = await CheckClientAsync(s, ct) ?? await CheckHeloAsync(s, s.HeloName, ct) ?? await CheckMailAsync(s, s.Sender, ct);
                if (early is not null)
                    return early;
            }
            s.DeferIfPermit.Active = s.DeferIfPermitSender;
            ResetRun(s);
            bool relayFirst = _config.GetBool("smtpd_relay_before_recipient_restrictions");
            var lists = relayFirst ? new[] { _relayChecks, _rcptChecks } : [_rcptChecks, _relayChecks];
            int status = Dunno;
            foreach (var list in lists)
            {
                status = await GuardAsync(s, () => list.Count > 0
                    ? GenericChecksAsync(s, list, recipient, ReplyClass.Recipient, CheckRecipientAcl, ct)
                    : ValueTask.FromResult(Dunno));
                if (status == Reject)
                    break;
            }
            if (status != Reject && s.DeferIfPermit.Active)
                status = RejectWith(s, s.DeferIfPermit.Class, s.DeferIfPermit.Code, s.DeferIfPermit.Dsn, s.DeferIfPermit.Reason);
            if (status != Reject && _config.GetBool("smtpd_reject_unlisted_recipient") && !s.RecipientRcptMapChecked && !s.Discard)
                status = await GuardAsync(s, () => ValueTask.FromResult(CheckRcptMaps(s, recipient, ReplyClass.Recipient)));
            return status == Reject ? s.ErrorText : null;
        }
        finally
        {
            s.Recipient = saved;
        }
    }

    public async ValueTask<string?> CheckEtrnAsync(SmtpdCheckState s, string domain, CancellationToken ct = default)
    {
        if (DelayReject)
        {
            var early = await CheckClientAsync(s, ct) ?? await CheckHeloAsync(s, s.HeloName, ct);
            if (early is not null)
                return early;
        }
        var saved = s.EtrnName;
        s.EtrnName = domain;
        try
        {
            s.DeferIfPermit.Active = false;
            return await RunStageAsync(s, _etrnChecks, domain, ReplyClass.Etrn, CheckEtrnAcl, after: null, ct, checkDeferIfPermit: true);
        }
        finally
        {
            s.EtrnName = saved;
        }
    }

    public ValueTask<string?> CheckDataAsync(SmtpdCheckState s, CancellationToken ct = default) =>
        CheckDataStageAsync(s, _dataChecks, "DATA", ReplyClass.Data, ct);

    public ValueTask<string?> CheckEndOfDataAsync(SmtpdCheckState s, CancellationToken ct = default) =>
        CheckDataStageAsync(s, _eodChecks, "END-OF-MESSAGE", ReplyClass.EndOfData, ct);

    /// <summary>The SIZE= check: "552 5.3.4 Message size exceeds fixed limit".</summary>
    public string? CheckSize(SmtpdCheckState s, long size)
    {
        long limit = _config.GetLong("message_size_limit");
        if (limit > 0 && size > limit)
        {
            ResetRun(s);
            RejectWith(s, ErrorClass.Policy, 552, "5.3.4", "Message size exceeds fixed limit");
            return s.ErrorText;
        }
        return null;
    }

    private async ValueTask<string?> CheckDataStageAsync(SmtpdCheckState s, IReadOnlyList<string> list, string name, string cls, CancellationToken ct)
    {
        var saved = s.Recipient;
        if (s.RecipientCount > 1)
            s.Recipient = null;
        try
        {
            s.DeferIfPermit.Active = false;
            return await RunStageAsync(s, list, name, cls, null, after: null, ct, checkDeferIfPermit: true);
        }
        finally
        {
            s.Recipient = saved;
        }
    }

    private async ValueTask<string?> RunStageAsync(SmtpdCheckState s, IReadOnlyList<string> list, string replyName, string replyClass,
        string? defAcl, Action<SmtpdCheckState>? after, CancellationToken ct, bool checkDeferIfPermit = false)
    {
        ResetRun(s);
        int status = await GuardAsync(s, () => list.Count > 0
            ? GenericChecksAsync(s, list, replyName, replyClass, defAcl, ct)
            : ValueTask.FromResult(Dunno));
        after?.Invoke(s);
        if (checkDeferIfPermit && status != Reject && s.DeferIfPermit.Active)
            status = RejectWith(s, s.DeferIfPermit.Class, s.DeferIfPermit.Code, s.DeferIfPermit.Dsn, s.DeferIfPermit.Reason);
        return status == Reject ? s.ErrorText : null;
    }

    private static void ResetRun(SmtpdCheckState s)
    {
        s.Recursion = 0;
        s.WarnIfReject = 0;
        s.DeferIfReject.Active = false;
    }

    /// <summary>
    /// Runs a check and turns an abort into its reject status: a table that cannot answer now, or
    /// cannot be opened (Postfix opens a "surrogate" table whose lookups fail), is "451 4.3.0
    /// Temporary lookup failure", as Postfix's reject_dict_retry.
    /// </summary>
    private async ValueTask<int> GuardAsync(SmtpdCheckState s, Func<ValueTask<int>> check)
    {
        try
        {
            return await check();
        }
        catch (CheckAbortException e)
        {
            return e.Status;
        }
        catch (Core.Maps.TableLookupException e)
        {
            _log.Warning(_service, e.Message);
            return RejectWith(s, ErrorClass.Data, 451, "4.3.0", $"<{s.Recipient ?? s.Sender ?? s.HeloName ?? s.NameAddress}>: Temporary lookup failure");
        }
        catch (Core.Maps.TableOpenException e)
        {
            _log.Warning(_service, e.Message);
            return RejectWith(s, ErrorClass.Data, 451, "4.3.0", $"<{s.Recipient ?? s.Sender ?? s.HeloName ?? s.NameAddress}>: Temporary lookup failure");
        }
    }

}

/// <summary>Postfix's longjmp out of a restriction list: a lookup or configuration error ends the evaluation.</summary>
internal sealed class CheckAbortException : Exception
{
    public CheckAbortException(int status) => Status = status;

    public CheckAbortException() { }

    public CheckAbortException(string message) : base(message) { }

    public CheckAbortException(string message, Exception inner) : base(message, inner) { }

    public int Status { get; }
}

/// <summary>Splits a restriction list on commas and whitespace, keeping { grouped text } as one element.</summary>
internal static class RestrictionList
{
    public static IReadOnlyList<string> Split(string value)
    {
        var result = new List<string>();
        int i = 0;
        while (i < value.Length)
        {
            while (i < value.Length && (char.IsWhiteSpace(value[i]) || value[i] == ','))
                i++;
            if (i >= value.Length)
                break;
            if (value[i] == '{')
            {
                int depth = 0, j = i;
                for (; j < value.Length; j++)
                {
                    if (value[j] == '{')
                        depth++;
                    else if (value[j] == '}' && --depth == 0)
                        break;
                }
                result.Add(value[(i + 1)..Math.Min(j, value.Length)].Trim());
                i = j + 1;
                continue;
            }
            int start = i;
            while (i < value.Length && !char.IsWhiteSpace(value[i]) && value[i] != ',')
                i++;
            result.Add(value[start..i]);
        }
        return result;
    }
}
