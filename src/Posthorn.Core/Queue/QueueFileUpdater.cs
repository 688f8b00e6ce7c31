namespace Posthorn.Core.Queue;

/// <summary>
/// Marks a recipient done in place, as Postfix's delivery agents do: the type byte of its
/// recipient record is rewritten from 'R' to 'D' and the file fsynced, so that after a crash the
/// recipient is never delivered again. One byte at a fixed offset: no record moves, nothing
/// else in the file changes.
/// </summary>
public static class QueueFileUpdater
{
    /// <summary>
    /// Marks <paramref name="recipient"/> (as read by <see cref="QueueFileReader"/>) done.
    /// False, with the reason, when its record is no longer where it was read or the write failed.
    /// </summary>
    public static bool MarkDone(string path, QueueRecipient recipient, IDurableFileSystem? fileSystem, out string? error)
    {
        error = null;
        try
        {
            using (var check = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1))
            {
                check.Position = recipient.Offset;
                int b = check.ReadByte();
                if (b == (byte)RecordType.Done)
                    return true;
                if (b != (byte)RecordType.Recipient)
                {
                    error = $"{path}: no recipient record at offset {recipient.Offset}";
                    return false;
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
