using System.Runtime.InteropServices;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>A local recipient's system account (getpwnam(3)): what local(8) needs to deliver as the user.</summary>
public sealed record LocalUser(string Name, uint Uid, uint Gid, string Home, string Shell);

/// <summary>Finds local users by login name; tests supply a fake, the service reads the system's accounts.</summary>
public interface ILocalUserLookup
{
    /// <summary>The account named <paramref name="name"/> (already case-folded), or null when there is none.</summary>
    LocalUser? Find(string name);

    /// <summary>The account with user id <paramref name="uid"/> (getpwuid), or null.</summary>
    LocalUser? FindByUid(uint uid);
}

/// <summary>
/// The system's accounts through getpwnam(3) (files, NSS), as Postfix's mypwnam. Reads the
/// shell as well as what <see cref="UnixAccount"/> reads, for the SHELL variable of commands.
/// </summary>
public sealed partial class SystemUserLookup : ILocalUserLookup
{
    private static readonly Lock Gate = new();

    [LibraryImport("libc", EntryPoint = "getpwuid", SetLastError = true)]
    private static partial nint GetPwUid(uint uid);

    public LocalUser? FindByUid(uint uid)
    {
        lock (Gate)
        {
            nint p = GetPwUid(uid);
            return p == 0 ? null : Read(p, Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(p)) ?? "");
        }
    }

    public LocalUser? Find(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal))
            return null;
        // getpwnam returns a static buffer: one caller at a time.
        lock (Gate)
        {
            nint p = Libc.getpwnam(name);
            return p == 0 ? null : Read(p, name);
        }
    }

    private static LocalUser Read(nint p, string name)
    {
        {
            int ptr = IntPtr.Size;
            uint uid = (uint)Marshal.ReadInt32(p, 2 * ptr);
            uint gid = (uint)Marshal.ReadInt32(p, 2 * ptr + 4);
            string home = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(p, 3 * ptr + 8)) ?? "/";
            string shell = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(p, 4 * ptr + 8)) ?? "";
            return new LocalUser(name, uid, gid, home, shell);
        }
    }
}

/// <summary>File ownership and type from lstat(2), which .NET does not report (the .forward and :include: checks).</summary>
internal static partial class FileOwner
{
    private const uint TypeMask = 0xF000;
    private const uint Regular = 0x8000;

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);

    /// <summary>Mode, uid and gid of <paramref name="path"/> (not following a final symbolic link when <paramref name="follow"/> is false), or null when it does not exist.</summary>
    public static unsafe (uint Mode, uint Uid, uint Gid)? Get(string path, bool follow = false)
    {
        byte* buf = stackalloc byte[256];
        if ((follow ? Stat(path, buf) : LStat(path, buf)) != 0)
            return null;
        // x86_64: dev(8) ino(8) nlink(8) mode(4) uid(4) gid(4); generic (arm64): dev(8) ino(8) mode(4) nlink(4) uid(4) gid(4).
        bool x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        int modeAt = x64 ? 24 : 16;
        int uidAt = x64 ? 28 : 24;
        return (*(uint*)(buf + modeAt), *(uint*)(buf + uidAt), *(uint*)(buf + uidAt + 4));
    }

    public static bool IsRegular(uint mode) => (mode & TypeMask) == Regular;
}
