using System.Globalization;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// DATA (RFC 5321) and BDAT (RFC 3030): content streams through cleanup into the queue file as
/// it arrives; message_size_limit is counted as bytes arrive; the reply "250 2.0.0 Ok: queued
/// as ID" is sent only after the queue file was committed; a client that vanishes mid-content
/// leaves nothing queued.
/// </summary>
public sealed partial class SmtpdSession
{
    private BdatReader? _bdat;
    private bool _bdatFailed;
    private bool _dataStarted;
    private long _dataBytes;

    private async ValueTask<bool> DataAsync(CancellationToken ct)
    {
        if (_sequence.Check(SmtpVerb.Data) is { } seq)
        {
            await ReplyAsync(seq).ConfigureAwait(false);
            return false;
        }
        var err = await _server.Restrictions.CheckDataAsync(_check, ct).ConfigureAwait(false);
        if (err is not null)
        {
            await ReplyAsync(err).ConfigureAwait(false);
            return false;
        }
        var sink = BeginContent();
        await ReplyAsync(SmtpReplies.StartMailInput.ToArray()).ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        _dataStarted = true;
        _dataBytes = 0;
        var reader = new SmtpDataReader(_s.MessageSizeLimit, normalizeBareLf: _bareNewline != BareNewlinePolicy.No);
        while (true)
        {
            var result = await ReadAsync(ct).ConfigureAwait(false);
            long before = reader.Size;
            var status = reader.Read(result.Buffer, sink, out var consumed);
            _dataBytes += reader.Size - before;
            _in.AdvanceTo(consumed, status == DataReadStatus.Done ? consumed : result.Buffer.End);
            if (status == DataReadStatus.Done)
                break;
            if (result.IsCompleted)
                throw new IOException("end of input in DATA");
        }
        _dataStarted = false;
        _where = "END-OF-MESSAGE";
        if (reader.SawBareLf)
        {
            if (_bareNewline == BareNewlinePolicy.Reject)
            {
                LogWhatsup("reject", "bare <LF> received");
                AbortTransaction();
                await ReplyAsync($"{_s.BareNewlineRejectCode} 5.5.2 {_s.MyHostname} Error: bare <LF> received").ConfigureAwait(false);
                return false;
            }
            if (_bareNewline == BareNewlinePolicy.Note)
                _bareLfNote = true;
        }
        return await EndOfMessageAsync(reader.TooBig, sink, bdat: false, reader.Size, ct).ConfigureAwait(false);
    }

    private async ValueTask<bool> BdatAsync(SmtpCommand cmd, CancellationToken ct)
    {
        long size = cmd.BdatSize;
        bool last = cmd.BdatLast;
        if (_bdatFailed)
            return await SkipBdatAsync(size, last, SmtpReplies.DiscardedAfterError(size).ToString().TrimEnd(), ct).ConfigureAwait(false);
        if (_bdat is null)
        {
            if (_sequence.Check(SmtpVerb.Bdat) is { } seq)
                return await SkipBdatAsync(size, last, seq.ToString().TrimEnd(), ct).ConfigureAwait(false);
            var err = await _server.Restrictions.CheckDataAsync(_check, ct).ConfigureAwait(false);
            if (err is not null)
                return await SkipBdatAsync(size, last, err, ct).ConfigureAwait(false);
            _bdat = new BdatReader(_s.MessageSizeLimit);
            _bdatSink = BeginContent();
        }
        if (_bdat.WouldExceed(size))
        {
            _server.Log.Warning(Process, $"{_writer?.QueueId ?? "NOQUEUE"}: BDAT request from {_check.NameAddress} exceeds message size limit");
            return await SkipBdatAsync(size, last, "552 5.3.4 Chunk exceeds message size limit", ct).ConfigureAwait(false);
        }
        _bdat.StartChunk(size, last);
        _sequence.OnBdatChunk(last: false);
        _dataStarted = true;
        await ReadChunkAsync(_bdat, _bdatSink!, ct).ConfigureAwait(false);
        _dataStarted = false;
        if (!last)
        {
            await ReplyAsync(string.Create(CultureInfo.InvariantCulture, $"250 2.0.0 Ok: {size} bytes")).ConfigureAwait(false);
            return true;
        }
        _where = "END-OF-MESSAGE";
        return await EndOfMessageAsync(_bdat.TooBig, _bdatSink!, bdat: true, _bdat.Size, ct).ConfigureAwait(false);
    }

    private GuardedSink? _bdatSink;

    private async ValueTask ReadChunkAsync(BdatReader reader, IContentSink sink, CancellationToken ct)
    {
        while (reader.Remaining > 0)
        {
            var result = await ReadAsync(ct).ConfigureAwait(false);
            var status = reader.Read(result.Buffer, sink, out var consumed);
            _dataBytes = reader.Size;
            _in.AdvanceTo(consumed);
            if (status == DataReadStatus.Done)
                return;
            if (result.IsCompleted)
                throw new IOException("end of input in BDAT");
        }
    }

    /// <summary>Reads and drops a chunk after an error (Postfix's skip_bdat), then replies.</summary>
    private async ValueTask<bool> SkipBdatAsync(long size, bool last, string reply, CancellationToken ct)
    {
        var skip = new BdatReader(0);
        skip.StartChunk(size, last);
        await ReadChunkAsync(skip, NullSink.Instance, ct).ConfigureAwait(false);
        if (last)
            AbortTransaction();
        else
        {
            _bdatFailed = true;
            _sequence.OnBdatChunk(last: false);
        }
        await ReplyAsync(reply).ConfigureAwait(false);
        return false;
    }

    private GuardedSink BeginContent()
    {
        var sink = new GuardedSink(_writer!);
        try
        {
            _writer!.Begin(BuildSubmission());
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
        {
            sink.Fail(e);
        }
        return sink;
    }

    private async ValueTask<bool> EndOfMessageAsync(bool tooBig, GuardedSink sink, bool bdat, long size, CancellationToken ct)
    {
        var writer = _writer!;
        _check.Where = "END-OF-MESSAGE";
        try
        {
            if (tooBig)
            {
                writer.Abort();
                await ReplyAsync("552 5.3.4 Error: message file too big").ConfigureAwait(false);
                return false;
            }
            if (sink.Error is not null)
            {
                writer.Abort();
                _server.Log.Warning(Process, $"{writer.QueueId}: {sink.Error.Message}");
                NoteError(Restrictions.ErrorClass.Resource);
                await ReplyAsync("451 4.3.0 Error: queue file write error").ConfigureAwait(false);
                return false;
            }
            var err = await _server.Restrictions.CheckEndOfDataAsync(_check, ct).ConfigureAwait(false);
            if (err is not null)
            {
                writer.Abort();
                await ReplyAsync(err).ConfigureAwait(false);
                return false;
            }
            CleanupQueueOutcome outcome;
            try
            {
                outcome = writer.Finish();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
            {
                writer.Abort();
                _server.Log.Warning(Process, $"{writer.QueueId}: {e.Message}");
                NoteError(Restrictions.ErrorClass.Resource);
                await ReplyAsync("451 4.3.0 Error: queue file write error").ConfigureAwait(false);
                return false;
            }
            bool ok = outcome.Disposition is CleanupDispositionKind.Accept or CleanupDispositionKind.Discard;
            if (outcome.Queued && outcome.QueueName == Core.Queue.QueueNames.Incoming)
                _server.TriggerQmgr('I');
            if (ok)
            {
                _errorCount = 0;
                _junkCommands = 0;
                await ReplyAsync(bdat
                    ? string.Create(CultureInfo.InvariantCulture, $"250 2.0.0 Ok: {size} bytes queued as {outcome.QueueId}")
                    : outcome.Reply).ConfigureAwait(false);
            }
            else
            {
                await ReplyAsync(outcome.Reply).ConfigureAwait(false);
            }
            return ok;
        }
        finally
        {
            _writer = null;
            writer.Dispose();
            AbortTransaction();
        }
    }

    /// <summary>Passes content to the writer; the first failure is kept and the rest is read and dropped.</summary>
    private sealed class GuardedSink(IContentSink inner) : IContentSink
    {
        public Exception? Error { get; private set; }

        public void Fail(Exception e) => Error ??= e;

        public void Write(ReadOnlySpan<byte> content)
        {
            if (Error is not null)
                return;
            try
            {
                inner.Write(content);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or FormatException)
            {
                Error = e;
            }
        }
    }

    private sealed class NullSink : IContentSink
    {
        public static readonly NullSink Instance = new();

        public void Write(ReadOnlySpan<byte> content)
        {
        }
    }
}
