using System.Runtime.InteropServices;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Switches the filesystem credentials of the calling thread only, as Postfix's local(8) and
/// virtual(8) switch their effective uid around a mailbox write (set_eugid): supplementary
/// groups through the raw setgroups system call (glibc's setgroups() would apply to every
/// thread of the process), then setfsgid and setfsuid, which the kernel keeps per thread.
/// While the fsuid is not 0 the kernel drops CAP_DAC_OVERRIDE, CAP_FOWNER and the other
/// filesystem capabilities from the thread's effective set, so file permissions are checked
/// as for the user, and whatever the thread creates belongs to the user. Only a dedicated
/// thread (never a thread-pool thread, no await in between) may call <see cref="Run{T}"/>;
/// the switch back to root is verified, and a failure to return ends the process.
/// </summary>
internal static unsafe partial class ThreadCredentials
{
    /// <summary>SYS_setgroups: 116 on x86_64, 159 on arm64 (the generic table).</summary>
    private static readonly nint SysSetgroups = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 116,
        Architecture.X86 => 81,
        _ => 159,
    };

    [LibraryImport("libc")]
    private static partial int setfsuid(uint uid);

    [LibraryImport("libc")]
    private static partial int setfsgid(uint gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint syscall(nint number, nint count, uint* list);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getgroups(int size, uint* list);

    /// <summary>The supplementary groups of the calling thread (to restore them after a switch).</summary>
    public static uint[] CurrentGroups()
    {
        int n = getgroups(0, null);
        if (n <= 0)
            return [];
        var list = new uint[n];
        fixed (uint* p = list)
            n = getgroups(n, p);
        return n < 0 ? [] : list[..n];
    }

    /// <summary>The calling thread's filesystem uid and gid (setfsuid(-1) changes nothing and returns the current value).</summary>
    public static (uint Uid, uint Gid) Current() => ((uint)setfsuid(uint.MaxValue), (uint)setfsgid(uint.MaxValue));

    /// <summary>What a worker thread returns to after each switch: its own identity when it started.</summary>
    public sealed record Saved(uint Uid, uint Gid, uint[] Groups)
    {
        public static Saved OfCurrentThread()
        {
            var (uid, gid) = Current();
            return new(uid, gid, CurrentGroups());
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> with this thread's filesystem identity switched to
    /// <paramref name="uid"/>/<paramref name="gid"/> (supplementary groups: just gid, as
    /// set_eugid does), then switches back to <paramref name="saved"/>, which must be root.
    /// Returns <paramref name="failed"/> when the switch could not be made (not root, uid or gid 0).
    /// </summary>
    public static T Run<T>(uint uid, uint gid, Saved saved, Func<T> action, T failed)
    {
        if (Thread.CurrentThread.IsThreadPoolThread)
            throw new InvalidOperationException("credentials may only be switched on a dedicated thread");
        if (uid == 0 || gid == 0 || saved.Uid != 0 || Current() != (saved.Uid, saved.Gid))
            return failed;
        try
        {
            if (SetGroups([gid]) && Set(gid, uid))
                return action();
        }
        finally
        {
            RestoreOrDie(saved);
        }
        return failed;
    }

    private static bool Set(uint gid, uint uid)
    {
        _ = setfsgid(gid); // returns the previous value; the result is checked below
        _ = setfsuid(uid);
        return Current() == (uid, gid);
    }

    private static bool SetGroups(uint[] groups)
    {
        fixed (uint* p = groups)
            return syscall(SysSetgroups, groups.Length, p) == 0;
    }

    private static void RestoreOrDie(Saved saved)
    {
        _ = setfsuid(saved.Uid);
        _ = setfsgid(saved.Gid); // returns the previous value; the result is checked below
        if (!SetGroups(saved.Groups) || Current() != (saved.Uid, saved.Gid))
            Environment.FailFast("privsep: cannot restore root filesystem credentials");
    }
}
