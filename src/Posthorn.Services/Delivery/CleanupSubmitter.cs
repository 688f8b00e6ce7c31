using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Matching;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Delivery;

/// <summary>
/// Postfix's post_mail() path for mail that Posthorn itself creates (bounce(8) notices, local(8)
/// forwarding): the message passes through cleanup(8) as a local submission (header
/// rewriting, canonical and virtual mapping, missing headers), is written as a queue file in
/// <c>incoming</c> (fsync), and the queue manager is triggered. Logs cleanup's
/// <c>ID: message-id=&lt;...&gt;</c>. It streams through <see cref="CleanupQueueWriter"/>, the
/// same writer smtpd uses, so nothing is held in memory.
/// </summary>
public sealed class CleanupSubmitter : IMailSubmitter
{
    private readonly CleanupProcessor _cleanup;
    private readonly QueueDirectory _queue;
    private readonly MailLog _log;
    private readonly Action? _queued;
    private readonly TimeProvider _time;

    /// <param name="queued">Called after each message is queued: the qmgr trigger ('I').</param>
    public CleanupSubmitter(MainConfig config, QueueDirectory queue, IMapResolver maps, MailLog log, Action? queued = null, TimeProvider? time = null)
    {
        _cleanup = new CleanupProcessor(config, maps);
        _queue = queue;
        _log = log;
        _queued = queued;
        _time = time ?? TimeProvider.System;
    }

    public async ValueTask<string> SubmitAsync(MailSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var recipients = submission.Recipients.Select(r => new CleanupRecipient(r.Address, r.OriginalRecipient,
            (int)r.Notify, r.DsnOriginalRecipient)).ToList();
        var cleanup = new CleanupSubmission(submission.Sender, recipients, CleanupClient.Internal, LocalHeaderRewrite: true)
        {
            ArrivalTime = _time.GetUtcNow(),
            DsnEnvid = submission.EnvelopeId,
            DsnRet = submission.Return switch
            {
                Bounce.DsnReturn.Headers => "HDRS",
                Bounce.DsnReturn.Full => "FULL",
                _ => null,
            },
        };
        var outcome = await CleanupQueueWriter.SubmitAsync(_cleanup, _queue, _log, cleanup, submission.Content, cancellationToken);
        if (outcome.Disposition is CleanupDispositionKind.Reject or CleanupDispositionKind.Defer)
            throw new IOException($"cleanup refused the message: {outcome.Reply}");
        if (outcome.Queued)
            _queued?.Invoke();
        return outcome.QueueId;
    }
}
