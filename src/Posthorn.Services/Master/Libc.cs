using System.Runtime.InteropServices;

namespace Posthorn.Services.Master;

/// <summary>
/// The few libc calls the master needs that .NET does not offer: process sessions (setsid),
/// privilege changes (setgroups/setgid/setuid), signals to another process (kill), advisory
/// locks (flock), FIFOs (mkfifo), ownership (chown) and account look-ups (getpwnam/getgrnam).
/// Linux/glibc only, as Posthorn is.
/// </summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EEXIST = 17;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buffer, nint count);

    public const int F_OFD_GETLK = 36;
    public const int F_OFD_SETLK = 37;
    public const short F_RDLCK = 0;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;
    public const int EACCES = 13;

    /// <summary>struct flock (x86_64 and arm64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, ref Flock lockInfo);

    /// <summary>
    /// An open-file-description lock on the whole file (fcntl F_OFD_SETLK): held per open
    /// file, like flock, but unlike flock not tripped over by .NET's FileShare checks, so any
    /// .NET code can still read a locked file.
    /// </summary>
    public static bool TryLock(int fd, short type)
    {
        var l = new Flock { Type = type };
        return fcntl(fd, F_OFD_SETLK, ref l) == 0;
    }

    /// <summary>True when another open file holds a conflicting lock (F_OFD_GETLK).</summary>
    public static bool IsLocked(int fd, short type)
    {
        var l = new Flock { Type = type };
        return fcntl(fd, F_OFD_GETLK, ref l) == 0 && l.Type != F_UNLCK;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setuid(uint uid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int setgroups(nuint size, uint* list);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, int mode);

    /// <summary>umask(2): the master sets 077 as Postfix's master.c does; children inherit it.</summary>
    [LibraryImport("libc", EntryPoint = "umask")]
    public static partial int umask(int mask);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getpwnam(string name);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint getgrnam(string name);

    /// <summary>The text of the last error, as Postfix's %m prints it.</summary>
    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    public static int LastErrno() => Marshal.GetLastPInvokeError();
}
