using System.Text;
using Posthorn.Core.Queue;
using Posthorn.Services.Bounce;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Qmgr;

/// <summary>Delivery jobs, their results, and what happens to a message when its last job is done.</summary>
public sealed partial class QueueManager
{
    /// <summary>A finished job: the agent's result and when it was handed off and done.</summary>
    private sealed record JobOutcome(DeliveryJob Job, DeliveryResult Result, DateTimeOffset? Handoff, DateTimeOffset Done);

    private void StartJobs(List<Task<JobOutcome>> running, CancellationToken ct)
    {
        while (_scheduler.TryTake(out var job))
            running.Add(RunJobAsync(job, ct));
    }

    private async Task<JobOutcome> RunJobAsync(DeliveryJob job, CancellationToken ct)
    {
        var m = _active[job.Message.QueueId];
        var recipients = job.Recipients.Select(r =>
        {
            var q = m.File.Recipients[r.Index];
            return new DeliveryRecipient(r.Index, q.Address, q.OriginalRecipient, q.DsnOrcpt, DsnNotifyText.Parse(q.DsnNotify));
        }).ToList();
        var agent = _agents(job.Transport);
        if (agent is null)
        {
            var failed = recipients.Select(r => new RecipientResult(r, DeliveryOutcome.Deferred, "4.3.0", "mail transport unavailable", "none")).ToList();
            return new JobOutcome(job, new DeliveryResult(failed), null, _time.GetUtcNow());
        }
        var f = m.File;
        f.Attributes.TryGetValue(QueueAttributes.ClientName, out var clientName);
        f.Attributes.TryGetValue(QueueAttributes.ClientAddress, out var clientAddress);
        f.Attributes.TryGetValue(QueueAttributes.HeloName, out var helo);
        f.Attributes.TryGetValue(QueueAttributes.ProtocolName, out var protocol);
        f.Attributes.TryGetValue(QueueAttributes.SaslUsername, out var sasl);
        f.Attributes.TryGetValue(QueueAttributes.Encoding, out var encoding);
        f.Attributes.TryGetValue(QueueAttributes.SmtpUtf8, out var utf8);
        var request = new DeliveryRequest(f.QueueId, job.Transport, job.Nexthop, f.Sender, f.ArrivalTime, recipients,
            f.OpenContent, f.ContentLength,
            string.Equals(f.DsnRet, "HDRS", StringComparison.OrdinalIgnoreCase) ? DsnReturn.Headers : DsnReturn.Full,
            f.DsnEnvid, encoding == "8bit", !string.IsNullOrEmpty(utf8) && utf8 != "0", clientName, clientAddress, helo, protocol, sasl,
            RecipientDone: rr => Persist(m, rr.Recipient.Index, rr.Outcome, ToStatus(f.Recipients[rr.Recipient.Index], rr.DsnStatus, rr.Outcome == DeliveryOutcome.Bounced ? "failed" : "delivered", rr.Reason, rr)));
        var handoff = _time.GetUtcNow();
        DeliveryResult result;
        try
        {
            // The agent's thread also records its final results in the queue file, so that the
            // queue manager's own loop does no file writes per recipient.
            result = await Task.Run(async () =>
            {
                var r = await agent.DeliverAsync(request, ct).ConfigureAwait(false);
                foreach (var rr in r.Recipients)
                    Persist(m, rr.Recipient.Index, rr.Outcome, ToStatus(f.Recipients[rr.Recipient.Index], rr.DsnStatus, ActionOf(rr), rr.Reason, rr));
                return r;
            }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _log.Warning(_name, $"{f.QueueId}: transport {job.Transport} failed: {e.Message}");
            var failed = recipients.Select(r => new RecipientResult(r, DeliveryOutcome.Deferred, "4.3.0", "unknown mail transport error", "none")).ToList();
            result = new DeliveryResult(failed, SiteFailed: true, SiteReason: "unknown mail transport error");
        }
        return new JobOutcome(job, result, handoff, _time.GetUtcNow());
    }

    /// <summary>Records each recipient's result, then tells the scheduler (which may finish the message).</summary>
    private void HandleOutcome(JobOutcome o)
    {
        var m = _active[o.Job.Message.QueueId];
        var outcomes = new List<RecipientOutcome>();
        var stamps = new DeliveryLogLine.Stamps(m.File.ArrivalTime, m.ActiveTime, o.Handoff, o.Done);
        var agentLog = _agentLogs(o.Job.Transport);
        foreach (var r in o.Job.Recipients)
        {
            var rr = o.Result.Recipients.FirstOrDefault(x => x.Recipient.Index == r.Index)
                ?? new RecipientResult(new DeliveryRecipient(r.Index, r.Address), DeliveryOutcome.Deferred, "4.3.0", "delivery agent did not report the recipient", "none");
            var q = m.File.Recipients[r.Index];
            Record(m, r.Index, rr.Outcome, ToStatus(q, rr.DsnStatus, ActionOf(rr), rr.Reason, rr), rr.Relay, stamps, agentLog, rr.Expanded);
            outcomes.Add(rr.Outcome switch
            {
                DeliveryOutcome.Delivered => RecipientOutcome.Delivered,
                DeliveryOutcome.Bounced => RecipientOutcome.Bounced,
                _ => RecipientOutcome.Deferred,
            });
        }
        _scheduler.Complete(o.Job, o.Result.SiteFailed ? SiteStatus.Failed : SiteStatus.Ok, outcomes, o.Result.SiteReason);
    }

    /// <summary>The DSN action of an agent's result: its own, or the one its outcome implies.</summary>
    private static string ActionOf(RecipientResult rr) =>
        rr.DsnAction.Length > 0 ? rr.DsnAction
            : rr.Outcome switch { DeliveryOutcome.Delivered => "delivered", DeliveryOutcome.Bounced => "failed", _ => "delayed" };

    private static string Word(DeliveryOutcome outcome) =>
        outcome switch { DeliveryOutcome.Delivered => "sent", DeliveryOutcome.Bounced => "bounced", _ => "deferred" };

    /// <summary>Logs one recipient's result and records it: done in the queue file, and/or in the bounce or defer log.</summary>
    private void Record(ActiveMessage m, int index, DeliveryOutcome outcome, RecipientStatus status, string relay, DeliveryLogLine.Stamps stamps,
        AgentLog? agentLog = null, IReadOnlyList<ExpandedResult>? expanded = null)
    {
        var q = m.File.Recipients[index];
        // The agent logs its own results in Postfix (posthorn/smtp, posthorn/local, ...); local(8)
        // logs each address an alias expanded into, with orig_to the queue recipient.
        var log = agentLog?.Log ?? _log;
        var process = agentLog?.ProcessName ?? _name;
        int resolution = _config.GetInt("delay_logging_resolution_limit");
        if (expanded is null)
            log.Info(process, DeliveryLogLine.Format(m.QueueId, q.Address, q.OriginalRecipient, relay, stamps, status.Status, Word(outcome), status.Reason, resolution));
        else
            foreach (var e in expanded)
                log.Info(process, DeliveryLogLine.Format(m.QueueId, e.Address, q.OriginalRecipient ?? q.Address, relay, stamps, e.DsnStatus, Word(e.Outcome), e.Reason, resolution));
        switch (outcome)
        {
            case DeliveryOutcome.Delivered:
                Persist(m, index, outcome, status);
                if ((status.Notify & DsnNotify.Success) != 0)
                    m.Successes.Add(status);
                break;
            case DeliveryOutcome.Bounced:
                Persist(m, index, outcome, status);
                break;
            default:
                m.AnyDeferred = true;
                TryQueueOp(() => _logs.Append(QueueNames.Defer, m.QueueId, status, q.Offset), m.QueueId);
                break;
        }
    }

    /// <summary>
    /// Records a delivered or bounced recipient durably, once: a bounce goes to the bounce log
    /// first (after a crash the done recipient's notice is still owed), then the recipient is
    /// marked done. Called by agents as each recipient finishes, and again with the final result.
    /// </summary>
    private void Persist(ActiveMessage m, int index, DeliveryOutcome outcome, RecipientStatus status)
    {
        if (outcome == DeliveryOutcome.Deferred)
            return;
        lock (m)
        {
            if (!m.Persisted.Add(index))
                return;
            var q = m.File.Recipients[index];
            if (outcome == DeliveryOutcome.Bounced && !TryQueueOp(() => _logs.Append(QueueNames.Bounce, m.QueueId, status, q.Offset), m.QueueId))
            {
                m.AnyDeferred = true;
                return;
            }
            MarkDone(m, q);
        }
    }

    /// <summary>
    /// Marks the recipient done in the queue file, without fsync as Postfix's deliver_completed:
    /// a killed process never delivers it again; after a system crash it may be delivered twice,
    /// never lost (the file is removed when its last recipient is done).
    /// </summary>
    private void MarkDone(ActiveMessage m, QueueRecipient q)
    {
        if (!QueueFileUpdater.MarkDone(m.File.Path, q, _queue.FileSystem, sync: false, out var error))
        {
            _log.Warning(_name, $"{m.QueueId}: {error}");
            m.AnyDeferred = true;
        }
    }

    private async Task FinishMessagesAsync(CancellationToken ct)
    {
        while (_finished.TryDequeue(out var s))
        {
            if (_active.Remove(s.QueueId, out var m))
                await FinishAsync(m, ct).ConfigureAwait(false);
        }
    }

    /// <summary>qmgr_active_done: notices, then expire, warn, defer with backoff, or remove.</summary>
    private async Task FinishAsync(ActiveMessage m, CancellationToken ct)
    {
        var id = m.QueueId;
        var f = m.File;
        var now = _time.GetUtcNow();
        // Built only when a notice goes out: finding the Message-ID reads the content.
        NoticeSubject? notice = null;
        NoticeSubject Subject() => notice ??= new NoticeSubject(id, f.Sender, f.ArrivalTime, f.ContentLength, f.OpenContent,
            string.Equals(f.DsnRet, "HDRS", StringComparison.OrdinalIgnoreCase) ? DsnReturn.Headers : DsnReturn.Full,
            f.DsnEnvid, MessageIdOf(f));
        try
        {
            if (m.AnyDeferred)
            {
                var lifetime = _config.GetTime(f.Sender.Length == 0 ? "bounce_queue_lifetime" : "maximal_queue_lifetime");
                if (now >= f.ArrivalTime + lifetime)
                {
                    _log.Info(_name, $"{id}: from=<{f.Sender}>, status=expired, returned to sender");
                    var deferred = _logs.Read(QueueNames.Defer, id);
                    var reread = QueueFileReader.Read(f.Path);
                    foreach (var e in deferred)
                    {
                        TryQueueOp(() => _logs.Append(QueueNames.Bounce, id, e.Status with { Action = "failed" }, e.Offset), id);
                        var rec = reread.File?.Recipients.FirstOrDefault(r => r.Offset == e.Offset);
                        if (rec is not null)
                            QueueFileUpdater.MarkDone(f.Path, rec, _queue.FileSystem, out _);
                    }
                    _logs.Delete(QueueNames.Defer, id);
                    m.AnyDeferred = reread.File?.Recipients.Any(r => !r.Done && !deferred.Any(e => e.Offset == r.Offset)) ?? true;
                }
            }
            var bounced = _logs.Read(QueueNames.Bounce, id);
            if (bounced.Count > 0)
            {
                await _notifier.NonDeliveryAsync(Subject(), bounced.Select(b => b.Status).ToList(), ct).ConfigureAwait(false);
                _logs.Delete(QueueNames.Bounce, id);
            }
            if (m.Successes.Count > 0)
                await _notifier.SuccessAsync(Subject(), m.Successes, ct).ConfigureAwait(false);
            if (m.AnyDeferred && !m.DelayWarned)
            {
                var warn = _config.GetTime("delay_warning_time");
                if (warn > TimeSpan.Zero && now >= f.ArrivalTime + warn)
                {
                    var delayed = _logs.Read(QueueNames.Defer, id).Select(e => e.Status).ToList();
                    await _notifier.DelayAsync(Subject(), delayed, ct).ConfigureAwait(false);
                    m.DelayWarned = true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The notice could not be queued: keep the logs and try again later.
            _log.Warning(_name, $"{id}: cannot send delivery status notification: {e.Message}");
            m.AnyDeferred = true;
        }

        if (m.AnyDeferred)
        {
            if (m.DelayWarned)
                TryQueueOp(() => _logs.AppendFlag(QueueNames.Defer, id, DeferredMarker), id);
            var age = now - f.ArrivalTime;
            var min = _config.GetTime("minimal_backoff_time");
            var max = _config.GetTime("maximal_backoff_time");
            var backoff = age > max ? max : age < min ? min : age;
            if (TryQueueOp(() => _queue.Move(id, QueueNames.Active, QueueNames.Deferred, sync: false), id))
                QueueDirectory.SetNextRetry(_queue.PathOf(QueueNames.Deferred, id), now + backoff);
            return;
        }
        if (TryQueueOp(() => _queue.Remove(QueueNames.Active, id), id))
        {
            _logs.Delete(QueueNames.Defer, id);
            _logs.Delete(QueueNames.Bounce, id);
            _log.Info(_name, $"{id}: removed");
        }
    }

    /// <summary>The original Message-ID, for the notice's References and In-Reply-To.</summary>
    private static string? MessageIdOf(QueueFile f)
    {
        try
        {
            using var reader = new StreamReader(f.OpenContent(), Encoding.Latin1);
            while (reader.ReadLine() is { Length: > 0 } line)
            {
                if (line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                    return line[11..].Trim();
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
