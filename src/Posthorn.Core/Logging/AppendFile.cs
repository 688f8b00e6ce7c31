using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Posthorn.Core.Logging;

/// <summary>
/// Opens a log file for appending with O_APPEND, as Postfix's logwriter does, so that several
/// processes (the master, postfix, postqueue ...) can write to one maillog_file without
/// overwriting each other's lines; .NET's FileMode.Append only seeks to the end once.
/// </summary>
internal static partial class AppendFile
{
    private const int O_WRONLY = 1;
    private const int O_CREAT = 0x40;
    private const int O_APPEND = 0x400;
    private const int O_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(SafeFileHandle fd, byte* buffer);

    /// <summary>The device and inode of a path (struct stat's first two fields), or null when it does not exist.</summary>
    public static unsafe (ulong Dev, ulong Ino)? Identity(string path)
    {
        byte* buffer = stackalloc byte[256];
        return Stat(path, buffer) == 0 ? (*(ulong*)buffer, *(ulong*)(buffer + 8)) : null;
    }

    /// <summary>The device and inode of an open file.</summary>
    public static unsafe (ulong Dev, ulong Ino)? Identity(FileStream stream)
    {
        byte* buffer = stackalloc byte[256];
        return FStat(stream.SafeFileHandle, buffer) == 0 ? (*(ulong*)buffer, *(ulong*)(buffer + 8)) : null;
    }

    /// <summary>The file opened for appending (created 0600 when missing).</summary>
    public static FileStream Open(string path)
    {
        int fd = Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, Convert.ToInt32("600", 8));
        if (fd < 0)
            throw new IOException($"open logfile {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, 1);
    }
}
