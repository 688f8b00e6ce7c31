using System.Runtime.InteropServices;

namespace Posthorn.Core.Queue;

/// <summary>
/// The few POSIX calls .NET does not expose: stat(2) for the inode number and fsync(2) on a
/// directory. struct stat keeps st_ino at offset 8 on Linux x86_64 and aarch64 (and macOS).
/// </summary>
internal static partial class NativeFile
{
    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    public static unsafe ulong Inode(string path)
    {
        byte* buffer = stackalloc byte[512];
        if (Stat(path, buffer) != 0)
            throw new IOException($"stat {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        return *(ulong*)(buffer + 8);
    }

    public static void SyncDirectory(string directory)
    {
        int fd = Open(directory, 0); // O_RDONLY
        if (fd < 0)
            throw new IOException($"open {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (Fsync(fd) != 0)
                throw new IOException($"fsync {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
