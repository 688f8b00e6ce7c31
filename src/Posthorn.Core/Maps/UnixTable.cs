using System.Globalization;
using System.Runtime.InteropServices;

namespace Posthorn.Core.Maps;

/// <summary>
/// <c>unix:passwd.byname</c> and <c>unix:group.byname</c> (DATABASE_README, Postfix's
/// dict_unix): the system's accounts through getpwnam(3)/getgrnam(3), so that Postfix's default
/// <c>local_recipient_maps = proxy:unix:passwd.byname $alias_maps</c> knows the local users.
/// A found user answers the passwd(5) line <c>name:passwd:uid:gid:gecos:dir:shell</c>, a group
/// <c>name:passwd:gid:member,member</c>. Any other map name is Postfix's "unknown table" error.
/// </summary>
public sealed partial class UnixTable : ILookupTable
{
    // getpwnam and getgrnam return static buffers: one caller at a time.
    private static readonly Lock Gate = new();

    private readonly bool _passwd;

    private UnixTable(string name, bool passwd)
    {
        Name = "unix:" + name;
        _passwd = passwd;
    }

    public string Name { get; }

    public string Type => "unix";

    public bool FixedKeys => true;

    public static UnixTable Open(string name, TableOptions options) => name switch
    {
        "passwd.byname" => new UnixTable(name, passwd: true),
        "group.byname" => new UnixTable(name, passwd: false),
        _ => throw new TableOpenException($"unknown table: unix:{name}"),
    };

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetGrNam(string name);

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        if (string.IsNullOrEmpty(key) || key.Contains('\0', StringComparison.Ordinal))
            return null;
        lock (Gate)
            return _passwd ? Passwd(GetPwNam(key)) : Group(GetGrNam(key));
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence is not supported");

    private static string Str(nint p, int offset) => Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(p, offset)) ?? "";

    // struct passwd: pw_name, pw_passwd, pw_uid, pw_gid, pw_gecos, pw_dir, pw_shell.
    private static string? Passwd(nint p)
    {
        if (p == 0)
            return null;
        int ptr = IntPtr.Size;
        uint uid = (uint)Marshal.ReadInt32(p, 2 * ptr);
        uint gid = (uint)Marshal.ReadInt32(p, 2 * ptr + 4);
        return string.Join(':', Str(p, 0), Str(p, ptr), uid.ToString(CultureInfo.InvariantCulture),
            gid.ToString(CultureInfo.InvariantCulture), Str(p, 2 * ptr + 8), Str(p, 3 * ptr + 8), Str(p, 4 * ptr + 8));
    }

    // struct group: gr_name, gr_passwd, gr_gid, gr_mem (NULL-terminated array).
    private static string? Group(nint p)
    {
        if (p == 0)
            return null;
        int ptr = IntPtr.Size;
        uint gid = (uint)Marshal.ReadInt32(p, 2 * ptr);
        var members = new List<string>();
        nint mem = Marshal.ReadIntPtr(p, 3 * ptr);
        for (int i = 0; mem != 0; i++)
        {
            nint m = Marshal.ReadIntPtr(mem, i * ptr);
            if (m == 0)
                break;
            members.Add(Marshal.PtrToStringUTF8(m) ?? "");
        }
        return string.Join(':', Str(p, 0), Str(p, ptr), gid.ToString(CultureInfo.InvariantCulture), string.Join(',', members));
    }
}
