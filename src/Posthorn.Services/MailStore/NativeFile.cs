using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Posthorn.Services.MailStore;

/// <summary>
/// The few Linux system calls the mail store needs that .NET does not offer: open(2) without
/// .NET's implicit flock(2) (FileStream takes LOCK_SH/LOCK_EX by FileShare, which would
/// collide with mail readers' flock locks), fcntl(2) record locks and flock(2), and fsync(2)
/// of a directory. fcntl locks are Linux open-file-description locks (F_OFD_SETLK), which
/// conflict with classic POSIX fcntl locks of other processes (Postfix, s-nail, Dovecot) and
/// also between two descriptors of one process, so in-process readers and writers exclude
/// each other too.
/// </summary>
internal static partial class NativeFile
{
    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OAppend = 0x400;
    private const int OCloExec = 0x80000;

    private const int FOfdSetLk = 37;
    private const int FOfdSetLkW = 38;
    private const short FRdLck = 0;
    private const short FWrLck = 1;
    private const short FUnLck = 2;

    private const int LockEx = 2;
    private const int LockSh = 1;
    private const int LockNb = 4;
    private const int LockUn = 8;

    private const int EIntr = 4;
    private const int EAgain = 11;
    private const int EAcces = 13;

    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Len;
        public int Pid;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysOpen(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SysFcntl(SafeFileHandle fd, int cmd, ref Flock lk);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int SysFlock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int SysFsync(SafeFileHandle fd);

    /// <summary>open(2) with O_CLOEXEC and O_NOFOLLOW (a symlinked mailbox is refused, as Postfix's safe_open does).</summary>
    public static SafeFileHandle Open(string path, int flags, int mode = 0x180 /* 0600 */)
    {
        int fd;
        do
            fd = SysOpen(path, flags | OCloExec | ONoFollow, mode);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (fd < 0)
            throw Error(Marshal.GetLastPInvokeError(), $"open {path}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>A FileStream over a handle from <see cref="Open"/>.</summary>
    public static FileStream Stream(SafeFileHandle handle, FileAccess access) => new(handle, access, 1);

    /// <summary>Takes (or with <paramref name="wait"/>, waits for) an fcntl lock on the whole file; false when another holds it.</summary>
    public static bool FcntlLock(SafeFileHandle handle, bool exclusive, bool wait)
    {
        var lk = new Flock { Type = exclusive ? FWrLck : FRdLck };
        while (true)
        {
            if (SysFcntl(handle, wait ? FOfdSetLkW : FOfdSetLk, ref lk) == 0)
                return true;
            int err = Marshal.GetLastPInvokeError();
            if (err == EIntr)
                continue;
            if (err is EAgain or EAcces)
                return false;
            throw Error(err, "fcntl lock");
        }
    }

    public static void FcntlUnlock(SafeFileHandle handle)
    {
        var lk = new Flock { Type = FUnLck };
        _ = SysFcntl(handle, FOfdSetLk, ref lk);
    }

    /// <summary>flock(2); false when another holds a conflicting lock and <paramref name="wait"/> is false.</summary>
    public static bool FlockLock(SafeFileHandle handle, bool exclusive, bool wait)
    {
        int op = (exclusive ? LockEx : LockSh) | (wait ? 0 : LockNb);
        while (true)
        {
            if (SysFlock(handle, op) == 0)
                return true;
            int err = Marshal.GetLastPInvokeError();
            if (err == EIntr)
                continue;
            if (err == EAgain)
                return false;
            throw Error(err, "flock");
        }
    }

    public static void FlockUnlock(SafeFileHandle handle) => _ = SysFlock(handle, LockUn);

    /// <summary>fsync(2) of a directory, so a new or renamed entry in it survives a crash.</summary>
    public static void FsyncDirectory(string path)
    {
        using var h = Open(path, ORdOnly);
        _ = SysFsync(h);
    }

    private static IOException Error(int errno, string what) =>
        new($"{what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
}
