using System.Runtime.InteropServices;

namespace Posthorn.Services.Master;

/// <summary>A user account (getpwnam) or a group (getgrnam): what mail_owner and setgid_group name.</summary>
public sealed record UnixAccount(string Name, uint Uid, uint Gid, string Home)
{
    /// <summary>The account named <paramref name="name"/>, or null when there is none.</summary>
    public static UnixAccount? Find(string name)
    {
        if (string.IsNullOrEmpty(name))
            return null;
        nint p = Libc.getpwnam(name);
        if (p == 0)
            return null;
        // struct passwd { char *pw_name; char *pw_passwd; uid_t pw_uid; gid_t pw_gid; char *pw_gecos; char *pw_dir; char *pw_shell; }
        int ptr = IntPtr.Size;
        uint uid = (uint)Marshal.ReadInt32(p, 2 * ptr);
        uint gid = (uint)Marshal.ReadInt32(p, 2 * ptr + 4);
        string home = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(p, 2 * ptr + 8 + ptr)) ?? "/";
        return new UnixAccount(name, uid, gid, home);
    }

    /// <summary>The id of the group named <paramref name="name"/>, or null when there is none.</summary>
    public static uint? FindGroup(string name)
    {
        if (string.IsNullOrEmpty(name))
            return null;
        nint p = Libc.getgrnam(name);
        if (p == 0)
            return null;
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        return (uint)Marshal.ReadInt32(p, 2 * IntPtr.Size);
    }

    /// <summary>True when this process runs with the super-user's effective uid.</summary>
    public static bool IsRoot => Libc.geteuid() == 0;
}
