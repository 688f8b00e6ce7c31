using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Bounce;

/// <summary>The message a notice is about.</summary>
public sealed record NoticeSubject(
    string QueueId,
    string Sender,
    DateTimeOffset ArrivalTime,
    long Size,
    Func<Stream> OpenOriginal,
    DsnReturn Return = DsnReturn.Full,
    string? EnvelopeId = null,
    string? MessageId = null);

/// <summary>
/// bounce(8)'s notice service (bounce_notify_service, bounce_warn_service, bounce_trace):
/// writes a delivery status notification with <see cref="DsnMessageWriter"/> and submits it
/// through <see cref="IMailSubmitter"/>. Non-delivery: to the sender from the null sender,
/// only recipients whose NOTIFY asks for FAILURE (unspecified counts as FAILURE), logged
/// <c>ID: sender non-delivery notification: NEWID</c>; with notify_classes "bounce" a
/// headers-only copy goes to bounce_notice_recipient. A bounce of null-sender mail is a double
/// bounce: with notify_classes "bounce" or "2bounce" it goes to 2bounce_notice_recipient from
/// double_bounce_sender, logged <c>postmaster non-delivery notification</c>; otherwise it is
/// dropped. Mail to the double-bounce address that fails is discarded with a warning. Delay
/// notices (NOTIFY DELAY) go to the sender, with "delay" in notify_classes a copy to
/// delay_notice_recipient; success notices (NOTIFY=SUCCESS) to the sender.
/// </summary>
public sealed class BounceNotifier
{
    private const string Service = "bounce";
    private readonly MainConfig _config;
    private readonly IMailSubmitter _submitter;
    private readonly MailLog _log;
    private readonly DsnMessageWriter _writer;
    private readonly HashSet<string> _classes;

    public BounceNotifier(MainConfig config, IMailSubmitter submitter, MailLog log, DsnMessageWriter? writer = null)
    {
        _config = config;
        _submitter = submitter;
        _log = log;
        _writer = writer ?? new DsnMessageWriter(config);
        _classes = new HashSet<string>(config.GetList("notify_classes"), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>double_bounce_sender@myhostname, as Postfix's mail_addr_double_bounce().</summary>
    public string DoubleBounceAddress => _config.Get("double_bounce_sender") + "@" + _config.Get("myhostname");

    /// <summary>Whether notify_classes names a class (bounce, 2bounce, delay, resource, software, ...).</summary>
    public bool Notifies(string notifyClass) => _classes.Contains(notifyClass);

    /// <summary>Sends the non-delivery notices for bounced recipients. Throws when a notice cannot be queued.</summary>
    public async Task NonDeliveryAsync(NoticeSubject m, IReadOnlyList<RecipientStatus> failed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (failed.Count == 0)
            return;
        if (string.Equals(m.Sender, DoubleBounceAddress, StringComparison.OrdinalIgnoreCase))
        {
            _log.Warning(Service, $"{m.QueueId}: undeliverable postmaster notification discarded");
            return;
        }
        if (m.Sender.Length == 0)
        {
            if (Notifies("bounce") || Notifies("2bounce"))
            {
                var id = await SendAsync(m, failed, BounceTemplateKind.Failure, DoubleBounceAddress, _config.Get("2bounce_notice_recipient"), true, ct);
                _log.Info(Service, $"{m.QueueId}: postmaster non-delivery notification: {id}");
            }
            return;
        }
        var wanted = failed.Where(r => DsnNotifyText.Wants(r.Notify, DsnNotify.Failure)).ToList();
        if (wanted.Count > 0)
        {
            var id = await SendAsync(m, wanted, BounceTemplateKind.Failure, "", m.Sender, false, ct);
            _log.Info(Service, $"{m.QueueId}: sender non-delivery notification: {id}");
        }
        if (Notifies("bounce"))
        {
            var id = await SendAsync(m, failed, BounceTemplateKind.Failure, DoubleBounceAddress, _config.Get("bounce_notice_recipient"), true, ct);
            _log.Info(Service, $"{m.QueueId}: postmaster non-delivery notification: {id}");
        }
    }

    /// <summary>Sends the delay warning for deferred recipients (once per message; the caller remembers).</summary>
    public async Task DelayAsync(NoticeSubject m, IReadOnlyList<RecipientStatus> delayed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (delayed.Count == 0 || m.Sender.Length == 0)
            return;
        var wanted = delayed.Where(r => DsnNotifyText.Wants(r.Notify, DsnNotify.Delay)).ToList();
        if (wanted.Count > 0)
        {
            var id = await SendAsync(m, wanted, BounceTemplateKind.Delay, "", m.Sender, false, ct);
            _log.Info(Service, $"{m.QueueId}: sender delay notification: {id}");
        }
        if (Notifies("delay"))
        {
            var id = await SendAsync(m, delayed, BounceTemplateKind.Delay, DoubleBounceAddress, _config.Get("delay_notice_recipient"), true, ct);
            _log.Info(Service, $"{m.QueueId}: postmaster delay notification: {id}");
        }
    }

    /// <summary>Sends the success notice for recipients with NOTIFY=SUCCESS.</summary>
    public async Task SuccessAsync(NoticeSubject m, IReadOnlyList<RecipientStatus> delivered, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (delivered.Count == 0 || m.Sender.Length == 0)
            return;
        var id = await SendAsync(m, delivered, BounceTemplateKind.Success, "", m.Sender, false, ct);
        _log.Info(Service, $"{m.QueueId}: sender delivery status notification: {id}");
    }

    private async Task<string> SendAsync(NoticeSubject m, IReadOnlyList<RecipientStatus> recipients, BounceTemplateKind kind,
        string from, string to, bool postmasterCopy, CancellationToken ct)
    {
        var request = new BounceRequest(m.QueueId, m.Sender, m.ArrivalTime, recipients, kind, m.Return, m.EnvelopeId,
            m.MessageId, m.Size, m.OpenOriginal, postmasterCopy, to);
        using var content = new MemoryStream();
        _writer.Write(request, content);
        content.Position = 0;
        // Notices ask for no notices about themselves (Postfix sends them with NOTIFY=NEVER semantics).
        var submission = new MailSubmission(from, [new DeliveryRecipient(0, to)], content, Service,
            Return: DsnReturn.Headers);
        return await _submitter.SubmitAsync(submission, ct).ConfigureAwait(false);
    }
}
