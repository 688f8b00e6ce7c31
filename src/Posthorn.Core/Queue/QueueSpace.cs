namespace Posthorn.Core.Queue;

/// <summary>
/// The free-space check smtpd makes before accepting MAIL FROM (Postfix's smtpd_check_queue):
/// refuse with "452 4.3.1 Insufficient system storage" unless the queue file system has more
/// than queue_minfree bytes free, and room for the message
/// after queue_minfree, and the message (its SIZE= value, 0 when the client gave none)
/// takes less than half of the free space.
/// </summary>
public static class QueueSpace
{
    /// <summary>True when a message of <paramref name="messageSize"/> bytes may be accepted.</summary>
    public static bool HasRoom(long freeBytes, long queueMinfree, long messageSize)
    {
        if (freeBytes <= queueMinfree)
            return false;
        if (messageSize >= freeBytes - queueMinfree)
            return false;
        return messageSize < freeBytes / 2;
    }

    /// <summary>Free bytes available to this user on the file system holding <paramref name="path"/>.</summary>
    public static long FreeBytes(string path) => new DriveInfo(Path.GetFullPath(path)).AvailableFreeSpace;

    /// <summary>The check against the real file system holding queue_directory.</summary>
    public static bool HasRoom(string queueDirectory, long queueMinfree, long messageSize) =>
        HasRoom(FreeBytes(queueDirectory), queueMinfree, messageSize);
}
