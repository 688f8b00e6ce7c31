namespace Posthorn.Core.Queue;

/// <summary>
/// Marks a recipient done in place, as Postfix's delivery agents do (deliver_completed): the
/// type byte of its recipient record is rewritten from 'R' to 'D'. One byte at a fixed offset:
/// no record moves, nothing else in the file changes. The written byte survives the death of
/// the process at once (it is in the kernel's page cache); with <c>sync</c> it is also fsynced,
/// so that it survives a system crash. Postfix does not fsync here (a system crash between
/// delivery and the file's removal may deliver that recipient again, never lose it), and
/// neither does the queue manager.
/// </summary>
public static class QueueFileUpdater
{
    /// <summary>
    /// Marks <paramref name="recipient"/> (as read by <see cref="QueueFileReader"/>) done.
    /// False, with the reason, when its record is no longer where it was read or the write failed.
    /// </summary>
    public static bool MarkDone(string path, QueueRecipient recipient, IDurableFileSystem? fileSystem, out string? error) =>
        MarkDone(path, recipient, fileSystem, sync: true, out error);

    /// <summary>
    /// As <see cref="MarkDone(string, QueueRecipient, IDurableFileSystem?, out string?)"/>; without
    /// <paramref name="sync"/> the byte is written through one open file and not fsynced.
    /// </summary>
    public static bool MarkDone(string path, QueueRecipient recipient, IDurableFileSystem? fileSystem, bool sync, out string? error)
    {
        error = null;
        try
        {
            using (var stream = new FileStream(path, FileMode.Open, sync ? FileAccess.Read : FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                stream.Position = recipient.Offset;
                int b = stream.ReadByte();
                if (b == (byte)RecordType.Done)
                    return true;
                if (b != (byte)RecordType.Recipient)
                {
                    error = $"{path}: no recipient record at offset {recipient.Offset}";
                    return false;
                }
                if (!sync)
                {
                    stream.Position = recipient.Offset;
                    stream.WriteByte((byte)RecordType.Done);
                    return true;
                }
            }
            (fileSystem ?? DurableFile.Instance).WriteInPlace(path, recipient.Offset, [(byte)RecordType.Done]);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot update recipient status: {e.Message}";
            return false;
        }
    }
}
