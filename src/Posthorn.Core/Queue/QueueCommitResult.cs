namespace Posthorn.Core.Queue;

/// <summary>
/// The outcome of <see cref="QueueFileWriter.Commit"/>: the queue id once the file and its
/// directory entry are on disk, or the error (the file is then removed). smtpd replies
/// "250 2.0.0 Ok: queued as ID" on success and "451 4.3.0 Error: queue file write error" on failure.
/// </summary>
public readonly record struct QueueCommitResult(string? QueueId, string? Error)
{
    public bool Ok => QueueId is not null;
}
