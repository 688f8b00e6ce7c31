using System.Globalization;
using System.Text;

namespace Posthorn.Core.Queue;

/// <summary>
/// Writes one queue file as a receiver streams a message in (docs/queue-format.md): the envelope
/// (arrival time, sender, attributes, DSN data, recipients), then the content in chunks as it
/// arrives (DATA never buffers a whole message), then extracted data, then the end record.
/// <see cref="Commit"/> writes the end record, marks the file ready (mode 0700, as Postfix does),
/// fsyncs the file and its directory and only then returns the queue id; <see cref="Abort"/>
/// removes the file. Every durable step goes through <see cref="IDurableFileSystem"/>.
/// Created by <see cref="QueueDirectory.Enter"/>.
/// </summary>
public sealed class QueueFileWriter : IDisposable
{
    internal const int SizeFieldWidth = 15;
    internal const int SizeFieldCount = 4;
    internal const int SizeDataLength = SizeFieldCount * SizeFieldWidth + SizeFieldCount - 1;
    private const int ContentChunk = 16 * 1024;

    private enum Section { Envelope, Content, Extracted, Closed }

    private readonly IDurableFileSystem _fs;
    private readonly FileStream _file;
    private readonly BufferedStream _out;
    private readonly byte[] _chunk = new byte[ContentChunk];
    private int _chunkUsed;
    private Section _section = Section.Envelope;
    private long _contentOffset;
    private long _contentLength;
    private long _extractedOffset;
    private int _recipients;
    private string? _error;

    internal QueueFileWriter(IDurableFileSystem fs, FileStream file, string path, string queueId)
    {
        _fs = fs;
        _file = file;
        Path = path;
        QueueId = queueId;
        _out = new BufferedStream(file, 64 * 1024);
        RecordIO.Write(_out, RecordType.Size, FormatSize(0, 0, 0, 0));
    }

    /// <summary>The queue id (known from the start, so smtpd can log "ID: client=...").</summary>
    public string QueueId { get; }

    /// <summary>The file's path.</summary>
    public string Path { get; private set; }

    /// <summary>Content bytes appended so far.</summary>
    public long ContentLength => _contentLength;

    /// <summary>
    /// The first write error (disk full, I/O error), or null. After an error every write is a
    /// no-op so the receiver can keep reading the client's data to the end; Commit then
    /// removes the file and returns the error.
    /// </summary>
    public string? WriteError => _error;

    /// <summary>
    /// The mode <see cref="Commit"/> gives the file: 0700 (Postfix's "ready") by default. A
    /// maildrop file is 0744, as postdrop's are readable, so that pickup, running as another
    /// user than the submitter, can read it.
    /// </summary>
    public UnixFileMode ReadyMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public void WriteArrivalTime(DateTimeOffset time)
    {
        long micros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        Envelope(RecordType.Time, string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000} {micros % 1_000_000}"));
    }

    /// <summary>The envelope sender, internal form; "" for the null sender.</summary>
    public void WriteSender(string sender) => Envelope(RecordType.From, sender);

    /// <summary>A named envelope attribute (see <see cref="QueueAttributes"/>).</summary>
    public void WriteAttribute(string name, string value) => Envelope(RecordType.Attribute, name + "=" + value);

    public void WriteDsnEnvid(string envid) => Envelope(RecordType.DsnEnvid, envid);

    /// <summary>"FULL" or "HDRS".</summary>
    public void WriteDsnRet(string ret) => Envelope(RecordType.DsnRet, ret);

    public void WriteRecipient(QueueRecipientSpec recipient)
    {
        Require(Section.Envelope);
        Guard(() => WriteRecipientRecords(recipient));
    }

    /// <summary>Appends content bytes; the first call starts the content section.</summary>
    public void AppendContent(ReadOnlySpan<byte> content)
    {
        if (_error is not null)
            return;
        Guard(StartContent);
        if (_error is not null)
            return;
        Require(Section.Content);
        _contentLength += content.Length;
        while (!content.IsEmpty && _error is null)
        {
            int n = Math.Min(content.Length, _chunk.Length - _chunkUsed);
            content[..n].CopyTo(_chunk.AsSpan(_chunkUsed));
            _chunkUsed += n;
            content = content[n..];
            if (_chunkUsed == _chunk.Length)
                Guard(FlushChunk);
        }
    }

    /// <summary>An attribute found in the content (after the content section).</summary>
    public void WriteExtractedAttribute(string name, string value) => Guard(() =>
    {
        StartExtracted();
        RecordIO.Write(_out, RecordType.Attribute, name + "=" + value);
    });

    /// <summary>A recipient found in the content (sendmail -t: To/Cc/Bcc headers).</summary>
    public void WriteExtractedRecipient(QueueRecipientSpec recipient) => Guard(() =>
    {
        StartExtracted();
        WriteRecipientRecords(recipient);
    });

    /// <summary>
    /// Moves the unfinished file into another queue of <paramref name="queue"/> before
    /// <see cref="Commit"/> (cleanup's HOLD): the file becomes ready only where it belongs, so a
    /// crash can never leave a held message ready in incoming.
    /// </summary>
    public void MoveBeforeCommit(QueueDirectory queue, string queueName)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (_section == Section.Closed)
            throw new InvalidOperationException("queue file already closed");
        var from = Path;
        var to = queue.PathOf(queueName, QueueId);
        _fs.Rename(from, to);
        Path = to;
        _fs.SyncDirectory(System.IO.Path.GetDirectoryName(from) ?? ".");
    }

    /// <summary>
    /// Finishes the file and makes it durable. Returns the queue id only after the file and
    /// its directory are fsynced; on any failure removes the file and returns the error.
    /// </summary>
    public QueueCommitResult Commit()
    {
        if (_section == Section.Closed)
            return new QueueCommitResult(null, "queue file already closed");
        if (_error is not null)
        {
            Abort();
            return new QueueCommitResult(null, $"{QueueId}: queue file write error: {_error}");
        }
        try
        {
            StartExtracted();
            RecordIO.Write(_out, RecordType.End, ReadOnlySpan<byte>.Empty);
            _out.Flush();
            _file.Position = 2; // type byte + one length byte
            _file.Write(Encoding.ASCII.GetBytes(FormatSize(_contentOffset, _contentLength, _recipients, _extractedOffset)));
            _fs.SetMode(Path, ReadyMode);
            _fs.Sync(_file);
            _fs.SyncDirectory(System.IO.Path.GetDirectoryName(Path) ?? ".");
            _section = Section.Closed;
            _file.Dispose();
            return new QueueCommitResult(QueueId, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Abort();
            return new QueueCommitResult(null, $"{QueueId}: queue file write error: {e.Message}");
        }
    }

    /// <summary>Abandons the message: closes and removes the file. Safe to call more than once.</summary>
    public void Abort()
    {
        _section = Section.Closed;
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // The file is being removed anyway.
        }
        try
        {
            _fs.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left without its end record, the file reads as incomplete; postsuper removes it.
        }
    }

    /// <summary>Aborts unless committed.</summary>
    public void Dispose()
    {
        if (_section != Section.Closed)
            Abort();
    }

    internal static string FormatSize(long contentOffset, long contentLength, long recipients, long extractedOffset) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{contentOffset,15} {contentLength,15} {recipients,15} {extractedOffset,15}");

    private void Envelope(RecordType type, string text)
    {
        Require(Section.Envelope);
        Guard(() => RecordIO.Write(_out, type, text));
    }

    /// <summary>Runs a write unless an earlier one failed; remembers the first failure.</summary>
    private void Guard(Action write)
    {
        if (_error is not null)
            return;
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _error = e.Message;
        }
    }

    private void WriteRecipientRecords(QueueRecipientSpec r)
    {
        if (r.DsnOrcpt is not null)
            RecordIO.Write(_out, RecordType.DsnOrcpt, r.DsnOrcpt);
        if (r.DsnNotify is not null)
            RecordIO.Write(_out, RecordType.DsnNotify, r.DsnNotify);
        if (r.OriginalRecipient is not null)
            RecordIO.Write(_out, RecordType.OriginalRecipient, r.OriginalRecipient);
        RecordIO.Write(_out, RecordType.Recipient, r.Address);
        _recipients++;
    }

    private void StartContent()
    {
        if (_section != Section.Envelope)
            return;
        RecordIO.Write(_out, RecordType.Message, ReadOnlySpan<byte>.Empty);
        _out.Flush();
        _contentOffset = _file.Position;
        _section = Section.Content;
    }

    private void StartExtracted()
    {
        if (_section == Section.Extracted)
            return;
        StartContent();
        Require(Section.Content);
        FlushChunk();
        _out.Flush();
        _extractedOffset = _file.Position;
        RecordIO.Write(_out, RecordType.Extracted, ReadOnlySpan<byte>.Empty);
        _section = Section.Extracted;
    }

    private void FlushChunk()
    {
        if (_chunkUsed == 0)
            return;
        RecordIO.Write(_out, RecordType.Content, _chunk.AsSpan(0, _chunkUsed));
        _chunkUsed = 0;
    }

    private void Require(Section section)
    {
        if (_section != section)
            throw new InvalidOperationException($"queue file {QueueId}: {section} record written in the {_section} section");
    }
}
