using System.Buffers;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.Cleanup;

/// <summary>The outcome of one message through <see cref="CleanupQueueWriter"/>.</summary>
/// <param name="Disposition">Accept (queued), Discard (250 but nothing queued), Reject or Defer.</param>
/// <param name="Reply">The SMTP reply for the client, e.g. "250 2.0.0 Ok: queued as ID".</param>
/// <param name="QueueId">The queue id (also for discarded and rejected messages, for logging).</param>
/// <param name="QueueName">incoming or hold when a file was committed, else null.</param>
public sealed record CleanupQueueOutcome(CleanupDispositionKind Disposition, string Reply, string QueueId, string? QueueName)
{
    /// <summary>A queue file was committed: the message is on disk.</summary>
    public bool Queued => QueueName is not null;
}

/// <summary>
/// cleanup(8) writing a queue file: a receiver opens it (the queue id is known at once, so
/// smtpd can log "ID: client=..."), begins the message with the envelope
/// (<see cref="CleanupSubmission"/>), streams content bytes (<see cref="IContentSink"/>, as
/// SmtpDataReader and BdatReader deliver them) or lines, and finishes. Lines pass through
/// <see cref="CleanupMessage"/> (Received:, header/body checks, canonical, virtual, masquerade,
/// missing headers, always_bcc) into the <see cref="QueueFileWriter"/>; envelope records are
/// written first, recipients (after cleanup's rewriting and BCC) in the extracted section.
/// <see cref="Finish"/> commits (fsync of file and directory) before it returns "250 ... queued as";
/// REJECT/defer and DISCARD remove the file, HOLD moves it into the hold queue. Abort (a client
/// vanished mid-DATA) leaves nothing behind. Logs cleanup's lines ("ID: message-id=&lt;...&gt;",
/// "ID: reject: header ...") under the process name "cleanup".
/// Used by smtpd; pickup and the bounce service use it through <see cref="SubmitAsync"/>.
/// </summary>
public sealed class CleanupQueueWriter : IContentSink, ICleanupContentSink, IDisposable
{
    private static readonly byte[] CrLf = [(byte)'\r', (byte)'\n'];
    private readonly CleanupProcessor _processor;
    private readonly QueueDirectory _queue;
    private readonly QueueFileWriter _file;
    private readonly MailLog _log;
    private readonly ArrayBufferWriter<byte> _out = new(1024);
    private List<string>? _pending = [];
    private byte[] _line = new byte[1024];
    private int _lineUsed;
    private CleanupMessage? _message;
    private CleanupSubmission? _submission;
    private bool _closed;

    private CleanupQueueWriter(CleanupProcessor processor, QueueDirectory queue, QueueFileWriter file, MailLog log)
    {
        _processor = processor;
        _queue = queue;
        _file = file;
        _log = log;
    }

    /// <summary>Creates the queue file in incoming; throws IOException when that fails.</summary>
    public static CleanupQueueWriter Open(CleanupProcessor processor, QueueDirectory queue, MailLog log)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(queue);
        return new CleanupQueueWriter(processor, queue, queue.Enter(QueueNames.Incoming), log ?? MailLog.Null);
    }

    /// <summary>
    /// The whole job for pickup and bounce (what IMailSubmitter wraps): open, begin, copy the
    /// content (LF or CRLF lines), finish. Trigger qmgr ('I') after a queued outcome.
    /// </summary>
    public static async ValueTask<CleanupQueueOutcome> SubmitAsync(CleanupProcessor processor, QueueDirectory queue, MailLog log,
        CleanupSubmission submission, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var writer = Open(processor, queue, log);
        writer.Begin(submission);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                writer.Write(buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return writer.Finish();
    }

    public string QueueId => _file.QueueId;

    /// <summary>Content bytes written to the queue file so far.</summary>
    public long ContentLength => _file.ContentLength;

    /// <summary>Starts the message: the envelope goes through cleanup and into the queue file.</summary>
    public void Begin(CleanupSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (_message is not null)
            throw new InvalidOperationException("message already begun");
        _submission = submission;
        var arrival = submission.ArrivalTime ?? DateTimeOffset.UtcNow;
        var envelope = new CleanupEnvelope(QueueId, arrival, submission.Sender, submission.Recipients, submission.Client,
            submission.LocalHeaderRewrite, submission.FullName, submission.Flags, submission.Filter ?? submission.ContentFilter);
        _message = _processor.Begin(envelope, this); // header lines (Received:) are held in _pending
        WriteEnvelope(submission, arrival, _message.Sender);
        var held = _pending!;
        _pending = null;
        foreach (var h in held)
            Emit(h);
        foreach (var p in submission.Prepend)
            _message.AddHeaderLine(p);
    }

    /// <summary>Content bytes in any pieces (IContentSink): split into lines here.</summary>
    public void Write(ReadOnlySpan<byte> content)
    {
        while (!content.IsEmpty)
        {
            int lf = content.IndexOf((byte)'\n');
            var part = lf < 0 ? content : content[..lf];
            if (_lineUsed + part.Length > _line.Length)
                Array.Resize(ref _line, Math.Max(_line.Length * 2, _lineUsed + part.Length));
            part.CopyTo(_line.AsSpan(_lineUsed));
            _lineUsed += part.Length;
            if (lf < 0)
                return;
            EndLine();
            content = content[(lf + 1)..];
        }
    }

    /// <summary>One content line without its line ending.</summary>
    public void AddLine(string line)
    {
        if (_message is null)
            throw new InvalidOperationException("Begin first");
        _message.AddLine(line);
    }

    /// <summary>
    /// Ends the message: cleanup's disposition decides. Moves to hold (when held) and commits before
    /// returning a 250 reply; removes the file on REJECT, defer, DISCARD or a write error.
    /// </summary>
    public CleanupQueueOutcome Finish()
    {
        if (_message is null || _submission is null)
            throw new InvalidOperationException("Begin first");
        if (_closed)
            throw new InvalidOperationException("already finished");
        if (_lineUsed > 0)
            EndLine();
        var result = _message.Finish();
        _closed = true;
        foreach (var entry in result.Log)
        {
            if (entry.Level == CleanupLogLevel.Warning)
                _log.Warning("cleanup", entry.Message);
            else
                _log.Info("cleanup", entry.Message);
        }
        if (result.Disposition is CleanupDispositionKind.Reject or CleanupDispositionKind.Defer)
        {
            _file.Abort();
            return new(result.Disposition, result.Reply ?? "451 4.3.0 Error: internal error", QueueId, null);
        }
        if (result.Disposition == CleanupDispositionKind.Discard || _submission.Discard)
        {
            _file.Abort();
            return new(CleanupDispositionKind.Discard, "250 2.0.0 Ok: queued as " + QueueId, QueueId, null);
        }
        WriteRecipients(result);
        if (result.Filter is not null)
            _file.WriteExtractedAttribute("content_filter", result.Filter);
        // A held message goes to hold before it is committed, so it is never ready in incoming.
        string queueName = QueueNames.Incoming;
        if (result.Hold || _submission.HoldReason is not null)
        {
            try
            {
                _file.MoveBeforeCommit(_queue, QueueNames.Hold);
                queueName = QueueNames.Hold;
            }
            catch (IOException e)
            {
                _log.Warning("cleanup", $"{QueueId}: cannot move to the hold queue: {e.Message}");
                _file.Abort();
                return new(CleanupDispositionKind.Defer, "451 4.3.0 Error: queue file write error", QueueId, null);
            }
        }
        var commit = _file.Commit();
        if (!commit.Ok)
        {
            _log.Warning("cleanup", commit.Error ?? "queue file write error");
            return new(CleanupDispositionKind.Defer, "451 4.3.0 Error: queue file write error", QueueId, null);
        }
        return new(CleanupDispositionKind.Accept, "250 2.0.0 Ok: queued as " + QueueId, QueueId, queueName);
    }

    /// <summary>Abandons the message: nothing stays in the queue. Safe to call more than once.</summary>
    public void Abort()
    {
        _closed = true;
        _file.Abort();
    }

    public void Dispose()
    {
        if (!_closed)
            Abort();
        else
            _file.Dispose();
    }

    void ICleanupContentSink.HeaderLine(string line) => Emit(line);

    void ICleanupContentSink.EndOfHeaders() => Emit("");

    void ICleanupContentSink.BodyLine(string line) => Emit(line);

    private void Emit(string line)
    {
        if (_pending is not null)
        {
            _pending.Add(line);
            return;
        }
        _out.ResetWrittenCount();
        ContentText.Encode(line, _out);
        _out.Write(CrLf);
        _file.AppendContent(_out.WrittenSpan);
    }

    private void EndLine()
    {
        int n = _lineUsed;
        if (n > 0 && _line[n - 1] == (byte)'\r')
            n--;
        _lineUsed = 0;
        _message!.AddLine(ContentText.Decode(_line.AsSpan(0, n)));
        if (_line.Length > 64 * 1024)
            _line = new byte[1024]; // do not keep one huge line's buffer
    }

    private void WriteEnvelope(CleanupSubmission s, DateTimeOffset arrival, string sender)
    {
        _file.WriteArrivalTime(arrival);
        _file.WriteSender(sender);
        var c = s.Client;
        if (c.Address is not null)
        {
            _file.WriteAttribute(QueueAttributes.ClientName, c.Name ?? "unknown");
            _file.WriteAttribute(QueueAttributes.ClientAddress, c.Address);
            if (c.Helo is not null)
                _file.WriteAttribute(QueueAttributes.HeloName, c.Helo);
            _file.WriteAttribute(QueueAttributes.ProtocolName, c.ReceivedProtocol);
        }
        _file.WriteAttribute(QueueAttributes.RewriteContext, s.LocalHeaderRewrite || c.Address is null ? "local" : "remote");
        if (s.Encoding is not null)
            _file.WriteAttribute(QueueAttributes.Encoding, s.Encoding);
        if (s.SmtpUtf8)
            _file.WriteAttribute(QueueAttributes.SmtpUtf8, "1");
        if (s.Attributes is not null)
            foreach (var (name, value) in s.Attributes)
                _file.WriteAttribute(name, value);
        if (s.DsnEnvid is not null)
            _file.WriteDsnEnvid(s.DsnEnvid);
        if (s.DsnRet is not null)
            _file.WriteDsnRet(s.DsnRet);
    }

    private void WriteRecipients(CleanupResult result)
    {
        var redirect = result.Redirect ?? _submission!.Redirect;
        var bcc = _submission!.Bcc;
        foreach (var r in result.Recipients)
        {
            _file.WriteExtractedRecipient(new QueueRecipientSpec(redirect ?? r.Address, r.Original,
                r.DsnNotify == 0 ? null : DsnNotifyText(r.DsnNotify), r.DsnOrcpt));
        }
        foreach (var b in bcc)
            _file.WriteExtractedRecipient(new QueueRecipientSpec(b, b));
    }

    /// <summary>Postfix's DSN_NOTIFY bits (NEVER 1, SUCCESS 2, FAILURE 4, DELAY 8) as the queue's text.</summary>
    internal static string DsnNotifyText(int mask)
    {
        if ((mask & 1) != 0)
            return "NEVER";
        var parts = new List<string>(3);
        if ((mask & 2) != 0)
            parts.Add("SUCCESS");
        if ((mask & 4) != 0)
            parts.Add("FAILURE");
        if ((mask & 8) != 0)
            parts.Add("DELAY");
        return string.Join(',', parts);
    }
}
