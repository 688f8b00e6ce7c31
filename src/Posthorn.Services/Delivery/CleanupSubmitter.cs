using System.Text;
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
/// <c>ID: message-id=&lt;...&gt;</c>. The processed content is held in memory before it is
/// written, which suits notices (bounded by bounce_size_limit) and forwarded mail up to
/// message_size_limit.
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
        using var writer = _queue.Enter(QueueNames.Incoming);
        var now = _time.GetUtcNow();
        var recipients = submission.Recipients.Select(r => new CleanupRecipient(r.Address, r.OriginalRecipient,
            (int)r.Notify, r.DsnOriginalRecipient)).ToList();
        var envelope = new CleanupEnvelope(writer.QueueId, now, submission.Sender, recipients, CleanupClient.Local(0),
            LocalHeaderRewrite: true);
        var sink = new CollectingContentSink();
        var message = _cleanup.Begin(envelope, sink);
        using (var reader = new StreamReader(submission.Content, Encoding.Latin1, false, 65536, leaveOpen: true))
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
                message.AddLine(line);
        }
        var result = message.Finish();
        foreach (var entry in result.Log)
            Write(entry);
        if (result.Disposition is CleanupDispositionKind.Reject or CleanupDispositionKind.Defer)
        {
            writer.Abort();
            throw new IOException($"cleanup refused the message: {result.Reply}");
        }
        if (result.Disposition == CleanupDispositionKind.Discard || result.Recipients.Count == 0)
        {
            writer.Abort();
            return writer.QueueId;
        }

        writer.WriteArrivalTime(now);
        writer.WriteSender(result.Sender);
        writer.WriteAttribute(QueueAttributes.RewriteContext, "local");
        if (submission.EnvelopeId is not null)
            writer.WriteDsnEnvid(submission.EnvelopeId);
        if (submission.Return is { } ret)
            writer.WriteDsnRet(ret == Bounce.DsnReturn.Headers ? "HDRS" : "FULL");
        foreach (var r in result.Recipients)
            writer.WriteRecipient(new QueueRecipientSpec(r.Address, r.Original, DsnNotifyText.Format((Bounce.DsnNotify)r.DsnNotify), r.DsnOrcpt));
        var crlf = "\r\n"u8.ToArray();
        foreach (var h in sink.Headers)
        {
            writer.AppendContent(Encoding.Latin1.GetBytes(h));
            writer.AppendContent(crlf);
        }
        writer.AppendContent(crlf);
        foreach (var b in sink.Body)
        {
            writer.AppendContent(Encoding.Latin1.GetBytes(b));
            writer.AppendContent(crlf);
        }
        var commit = writer.Commit();
        if (!commit.Ok)
            throw new IOException($"cannot queue the message: {commit.Error}");
        _queued?.Invoke();
        return commit.QueueId!;
    }

    private void Write(CleanupLogEntry entry)
    {
        if (entry.Level == CleanupLogLevel.Warning)
            _log.Warning("cleanup", entry.Message);
        else
            _log.Info("cleanup", entry.Message);
    }
}
