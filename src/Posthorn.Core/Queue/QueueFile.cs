namespace Posthorn.Core.Queue;

/// <summary>How reading a queue file went.</summary>
public enum QueueFileStatus
{
    /// <summary>Complete and well-formed.</summary>
    Ok,

    /// <summary>No end record (still being written, or cut short): not ready, do not deliver.</summary>
    Incomplete,

    /// <summary>Not a queue file, or records out of order or inconsistent: move it to the corrupt queue.</summary>
    Corrupt,

    /// <summary>The file does not exist (another process moved or removed it).</summary>
    Missing,

    /// <summary>An I/O error (permissions, disk): leave the file alone and try later.</summary>
    IOError,
}

/// <summary>A queue file read by <see cref="QueueFileReader"/>: envelope, recipients with done state, content location.</summary>
public sealed class QueueFile
{
    internal QueueFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>The file name: the queue id.</summary>
    public string QueueId => System.IO.Path.GetFileName(Path);

    public DateTimeOffset ArrivalTime { get; internal set; }

    /// <summary>Envelope sender, internal form; "" for the null sender.</summary>
    public string Sender { get; internal set; } = "";

    public IReadOnlyDictionary<string, string> Attributes => AttributeMap;

    public string? DsnEnvid { get; internal set; }

    public string? DsnRet { get; internal set; }

    /// <summary>All recipients, envelope first then extracted, in file order.</summary>
    public IReadOnlyList<QueueRecipient> Recipients => RecipientList;

    /// <summary>Attributes from the extracted section.</summary>
    public IReadOnlyDictionary<string, string> ExtractedAttributes => ExtractedMap;

    /// <summary>Offset of the first content record.</summary>
    public long ContentOffset { get; internal set; }

    /// <summary>Content length in bytes.</summary>
    public long ContentLength { get; internal set; }

    internal Dictionary<string, string> AttributeMap { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, string> ExtractedMap { get; } = new(StringComparer.Ordinal);

    internal List<QueueRecipient> RecipientList { get; } = [];

    /// <summary>Opens the message content (header and body, as received) as a read-only stream.</summary>
    public Stream OpenContent() => new QueueContentStream(Path, ContentOffset, ContentLength);

    /// <summary>
    /// The same file as read, at its new path after a rename to another queue (qmgr moving it
    /// from incoming to active), so that it need not be read again.
    /// </summary>
    public QueueFile MovedTo(string path)
    {
        var moved = new QueueFile(path)
        {
            ArrivalTime = ArrivalTime,
            Sender = Sender,
            DsnEnvid = DsnEnvid,
            DsnRet = DsnRet,
            ContentOffset = ContentOffset,
            ContentLength = ContentLength,
        };
        foreach (var (k, v) in AttributeMap)
            moved.AttributeMap[k] = v;
        foreach (var (k, v) in ExtractedMap)
            moved.ExtractedMap[k] = v;
        moved.RecipientList.AddRange(RecipientList);
        return moved;
    }
}

/// <summary>The outcome of <see cref="QueueFileReader.Read"/>: a file, or why there is none.</summary>
public sealed record QueueReadResult(QueueFileStatus Status, QueueFile? File, string? Error)
{
    public bool Ok => Status == QueueFileStatus.Ok;
}
