using System.Globalization;
using System.Runtime.InteropServices;

namespace Posthorn.Core.Maps;

/// <summary>
/// <c>unix:passwd.byname</c> and <c>unix:group.byname</c> (Postfix's dict_unix): the system's
/// accounts through getpwnam_r(3)/getgrnam_r(3), so NSS sources count too. A user is answered as
/// <c>name:passwd:uid:gid:gecos:dir:shell</c>, a group as <c>name:passwd:gid:member,...</c>.
/// This is the first half of Postfix's default <c>local_recipient_maps =
/// proxy:unix:passwd.byname $alias_maps</c>. Keys are fixed strings, folded to lower case.
/// </summary>
public sealed partial class UnixTable : ILookupTable
{
    private readonly bool _groups;

    private UnixTable(string name, bool groups)
    {
        Name = "unix:" + name;
        _groups = groups;
    }

    public static ILookupTable Open(string name, TableOptions options) => name switch
    {
        "passwd.byname" => new UnixTable(name, groups: false),
        "group.byname" => new UnixTable(name, groups: true),
        _ => throw new TableOpenException($"unknown table: unix:{name}"),
    };

    public string Name { get; }

    public string Type => "unix";

    public bool FixedKeys => true;

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        if (key.Length == 0 || key.Contains('\0', StringComparison.Ordinal))
            return null;
        if ((flags & LookupFlags.NoFold) == 0)
            key = key.ToLowerInvariant();
        return _groups ? Group(key) : Passwd(key);
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");

    private const int Erange = 34;

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetPwNamR(string name, nint pwd, nint buffer, nuint size, out nint result);

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetGrNamR(string name, nint grp, nint buffer, nuint size, out nint result);

    private static string? Passwd(string name) => WithBuffers(64, (entry, buf, size) =>
    {
        int rc = GetPwNamR(name, entry, buf, size, out nint result);
        if (rc != 0)
            return (rc, null);
        if (result == 0)
            return (0, null);
        int p = IntPtr.Size;
        string Str(int offset) => Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry, offset)) ?? "";
        uint uid = (uint)Marshal.ReadInt32(entry, 2 * p);
        uint gid = (uint)Marshal.ReadInt32(entry, 2 * p + 4);
        return (0, string.Create(CultureInfo.InvariantCulture,
            $"{Str(0)}:{Str(p)}:{uid}:{gid}:{Str(3 * p)}:{Str(4 * p)}:{Str(5 * p)}"));
    });

    private static string? Group(string name) => WithBuffers(32, (entry, buf, size) =>
    {
        int rc = GetGrNamR(name, entry, buf, size, out nint result);
        if (rc != 0)
            return (rc, null);
        if (result == 0)
            return (0, null);
        int p = IntPtr.Size;
        var members = new List<string>();
        nint list = Marshal.ReadIntPtr(entry, 3 * p);
        for (int i = 0; list != 0; i++)
        {
            nint m = Marshal.ReadIntPtr(list, i * p);
            if (m == 0)
                break;
            members.Add(Marshal.PtrToStringUTF8(m) ?? "");
        }
        uint gid = (uint)Marshal.ReadInt32(entry, 2 * p);
        string gname = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry, 0)) ?? "";
        string gpass = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry, p)) ?? "";
        return (0, string.Create(CultureInfo.InvariantCulture, $"{gname}:{gpass}:{gid}:{string.Join(',', members)}"));
    });

    /// <summary>Calls a *_r function with a growing buffer; an error other than ERANGE is a lookup failure.</summary>
    private static string? WithBuffers(int entrySize, Func<nint, nint, nuint, (int Rc, string? Value)> call)
    {
        for (nuint size = 1024; size <= 1 << 20; size *= 4)
        {
            nint entry = Marshal.AllocHGlobal(entrySize);
            nint buf = Marshal.AllocHGlobal((nint)size);
            try
            {
                var (rc, value) = call(entry, buf, size);
                if (rc == Erange)
                    continue;
                // getpwnam_r(3): ENOENT, ESRCH, EBADF and EPERM may also mean "no such name".
                if (rc is 1 or 2 or 3 or 9)
                    return null;
                if (rc != 0)
                    throw new TableLookupException($"unix: account lookup failed: error {rc}");
                return value;
            }
            finally
            {
                Marshal.FreeHGlobal(buf);
                Marshal.FreeHGlobal(entry);
            }
        }
        throw new TableLookupException("unix: account entry too large");
    }
}
