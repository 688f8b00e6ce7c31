using System.Globalization;
using System.Text;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Pickup;

/// <summary>What became of one maildrop file.</summary>
public enum PickupOutcome
{
    /// <summary>Not a queue file name, not ready yet, or gone: left alone.</summary>
    Skipped,

    /// <summary>Passed through cleanup into incoming (or hold); the maildrop file is removed.</summary>
    Queued,

    /// <summary>Malformed or refused: removed with a warning.</summary>
    Removed,

    /// <summary>A temporary problem (I/O error, cleanup defers): left for the next scan.</summary>
    Deferred,
}

/// <summary>
/// pickup(8)'s work on one maildrop file (docs/sendmail.md). The file is untrusted input: it
/// must be a regular, complete queue file whose every record is valid; anything else is
/// removed with a warning, never a crash. Only the file's owner (set by the kernel) is trusted:
/// it becomes "from userid N" in the Received: header. From the file pickup takes the sender,
/// the recipients not yet done (envelope and extracted), DSN ENVID, RET, NOTIFY and ORCPT, the
/// full_name and rewrite_context attributes, and the content; everything else is ignored. The
/// message passes through cleanup with local submission settings (Received: "by $myhostname
/// ($mail_name, from userid N)", full name in a missing From:, local header rewriting) into a
/// new incoming queue file, committed (fsync) before the maildrop file is removed, and logs
/// "ID: uid=N from=&lt;sender&gt;". A file requeued by postsuper -r (mode 0700, owned by root or
/// by the mail system's own user) is already a processed queue file and is moved to incoming
/// as it is. Reads message_size_limit.
/// </summary>
public sealed class PickupProcessor
{
    private const long NotifyNever = 1, NotifySuccess = 2, NotifyFailure = 4, NotifyDelay = 8;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly QueueDirectory _queue;
    private readonly CleanupProcessor _cleanup;
    private readonly MailLog _log;
    private readonly string _service;
    private readonly long _sizeLimit;
    private readonly long _trustedUid;

    public PickupProcessor(QueueDirectory queue, CleanupProcessor cleanup, MailLog log, string service = "pickup")
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(cleanup);
        _queue = queue;
        _cleanup = cleanup;
        _log = log ?? MailLog.Null;
        _service = service;
        _sizeLimit = cleanup.Settings.Config.GetLong("message_size_limit");
        _trustedUid = Environment.IsPrivilegedProcess ? 0 : CurrentUid();
    }

    /// <summary>Processes every ready file in maildrop; returns how many were queued.</summary>
    public int Scan()
    {
        int queued = 0;
        foreach (var id in _queue.Enumerate(QueueNames.Maildrop).ToList())
            if (Process(id) == PickupOutcome.Queued)
                queued++;
        return queued;
    }

    /// <summary>Processes one maildrop file by its name.</summary>
    public PickupOutcome Process(string name)
    {
        if (!QueueId.IsValid(name))
            return PickupOutcome.Skipped;
        var path = _queue.PathOf(QueueNames.Maildrop, name);
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (!info.Exists)
                return PickupOutcome.Skipped;
            if (info.LinkTarget is not null)
                return Remove(path, name, -1, "not a regular file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PickupOutcome.Skipped;
        }
        if (!QueueDirectory.IsReady(path))
            return PickupOutcome.Skipped; // still being written
        long uid;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            uid = MaildropFile.OwnerOf(handle);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return PickupOutcome.Skipped;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning(_service, $"maildrop/{name}: open: {e.Message}");
            return PickupOutcome.Deferred;
        }
        var read = QueueFileReader.Read(path);
        switch (read.Status)
        {
            case QueueFileStatus.Missing:
                return PickupOutcome.Skipped;
            case QueueFileStatus.IOError:
                _log.Warning(_service, $"maildrop/{name}: {read.Error}");
                return PickupOutcome.Deferred;
            case QueueFileStatus.Corrupt:
            case QueueFileStatus.Incomplete:
                return Remove(path, name, uid, "malformed queue file: " + After(read.Error, path));
        }
        var file = read.File!;
        if (IsRequeued(path, uid))
            return Requeue(name);
        if (_sizeLimit > 0 && file.ContentLength > _sizeLimit)
            return Remove(path, name, uid, "message file too big");
        var recipients = file.Recipients.Where(r => !r.Done).ToList();
        if (recipients.Count == 0)
            return Remove(path, name, uid, "no recipients");
        return Queue(path, name, uid, info, file, recipients);
    }

    private PickupOutcome Queue(string path, string name, long uid, FileInfo info, QueueFile file, List<QueueRecipient> recipients)
    {
        QueueFileWriter writer;
        try
        {
            writer = _queue.Enter(QueueNames.Incoming);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning(_service, $"create incoming queue file: {e.Message}");
            return PickupOutcome.Deferred;
        }
        using (writer)
        using (var sink = new SpoolingContentSink(Path.GetDirectoryName(writer.Path)!))
        {
            var attributes = file.Attributes;
            var envelope = new CleanupEnvelope(writer.QueueId, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), file.Sender,
                recipients.Select(r => new CleanupRecipient(r.Address, r.OriginalRecipient, NotifyMask(r.DsnNotify), r.DsnOrcpt)).ToList(),
                CleanupClient.Local(uid), LocalHeaderRewrite: attributes.GetValueOrDefault(QueueAttributes.RewriteContext, "local") != "remote",
                FullName: attributes.GetValueOrDefault(MaildropFile.FullNameAttribute));
            _log.Info(_service, $"{writer.QueueId}: uid={uid} from=<{file.Sender}>");
            var message = _cleanup.Begin(envelope, sink);
            using (var content = file.OpenContent())
                foreach (var line in Lines(content))
                    message.AddLine(line);
            var result = message.Finish();
            foreach (var entry in result.Log)
            {
                if (entry.Level == CleanupLogLevel.Warning)
                    _log.Warning("cleanup", entry.Message);
                else
                    _log.Info("cleanup", entry.Message);
            }
            switch (result.Disposition)
            {
                case CleanupDispositionKind.Defer:
                    writer.Abort();
                    return PickupOutcome.Deferred;
                case CleanupDispositionKind.Reject:
                    writer.Abort();
                    return Remove(path, name, uid, "message rejected: " + result.Reply);
                case CleanupDispositionKind.Discard:
                    writer.Abort();
                    _queue.FileSystem.Delete(path);
                    return PickupOutcome.Queued;
            }
            writer.WriteArrivalTime(envelope.ArrivalTime);
            writer.WriteSender(result.Sender);
            writer.WriteAttribute(QueueAttributes.RewriteContext, "local");
            if (file.DsnEnvid is not null)
                writer.WriteDsnEnvid(file.DsnEnvid);
            if (file.DsnRet is "FULL" or "HDRS")
                writer.WriteDsnRet(file.DsnRet);
            foreach (var r in result.Recipients)
                writer.WriteRecipient(new QueueRecipientSpec(r.Address, r.Original, NotifyText(r.DsnNotify), r.DsnOrcpt));
            sink.CopyTo(writer.AppendContent);
            var commit = writer.Commit();
            if (commit.QueueId is null)
            {
                _log.Warning(_service, commit.Error ?? "queue file write error");
                return PickupOutcome.Deferred;
            }
            if (result.Hold)
                _queue.Move(commit.QueueId, QueueNames.Incoming, QueueNames.Hold);
            _queue.FileSystem.Delete(path);
            return PickupOutcome.Queued;
        }
    }

    /// <summary>A file postsuper -r put back: complete (0700) and owned by root or the mail system's user.</summary>
    private bool IsRequeued(string path, long uid)
    {
        if (OperatingSystem.IsWindows() || (uid != 0 && uid != _trustedUid))
            return false;
        return (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0;
    }

    private PickupOutcome Requeue(string name)
    {
        try
        {
            _queue.Move(name, QueueNames.Maildrop, QueueNames.Incoming);
            _log.Info(_service, $"{name}: requeued");
            return PickupOutcome.Queued;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning(_service, $"maildrop/{name}: requeue: {e.Message}");
            return PickupOutcome.Deferred;
        }
    }

    private PickupOutcome Remove(string path, string name, long uid, string why)
    {
        _log.Warning(_service, $"maildrop/{name}: uid={uid}: {why} -- removed");
        try
        {
            _queue.FileSystem.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning(_service, $"remove maildrop/{name}: {e.Message}");
            return PickupOutcome.Deferred;
        }
        return PickupOutcome.Removed;
    }

    private static string After(string? error, string path) =>
        error is null ? "unknown error" : error.StartsWith(path + ": ", StringComparison.Ordinal) ? error[(path.Length + 2)..] : error;

    /// <summary>Content lines without CR LF; invalid UTF-8 lines are read as Latin-1.</summary>
    private static IEnumerable<string> Lines(Stream content)
    {
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        int n;
        while ((n = content.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != '\n')
                    continue;
                line.Write(buffer, start, i - start);
                yield return Decode(line);
                line.SetLength(0);
                start = i + 1;
            }
            line.Write(buffer, start, n - start);
        }
        if (line.Length > 0)
            yield return Decode(line);
    }

    private static string Decode(MemoryStream line)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r')
            bytes = bytes[..^1];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    internal static int NotifyMask(string? notify)
    {
        if (string.IsNullOrEmpty(notify))
            return 0;
        long mask = 0;
        foreach (var item in notify.Split(','))
        {
            mask |= item.Trim().ToUpperInvariant() switch
            {
                "NEVER" => NotifyNever,
                "SUCCESS" => NotifySuccess,
                "FAILURE" => NotifyFailure,
                "DELAY" => NotifyDelay,
                _ => 0,
            };
        }
        return (int)mask;
    }

    internal static string? NotifyText(int mask)
    {
        if (mask == 0)
            return null;
        if ((mask & NotifyNever) != 0)
            return "NEVER";
        var items = new List<string>();
        if ((mask & NotifySuccess) != 0)
            items.Add("SUCCESS");
        if ((mask & NotifyFailure) != 0)
            items.Add("FAILURE");
        if ((mask & NotifyDelay) != 0)
            items.Add("DELAY");
        return string.Join(',', items);
    }

    private static long CurrentUid()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var f = line?.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            return f is { Length: > 2 } ? long.Parse(f[2], CultureInfo.InvariantCulture) : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
