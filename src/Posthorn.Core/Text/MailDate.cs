using System.Globalization;
using System.Runtime.InteropServices;

namespace Posthorn.Core.Text;

/// <summary>
/// Dates as Postfix writes them in Date:, Received: and delivery reports (mail_date()):
/// <c>Tue, 24 Nov 2026 23:59:01 +0000 (UTC)</c>, in local time, with the zone abbreviation from
/// the C library (the same one Postfix's strftime %Z gives).
/// </summary>
public static class MailDate
{
    public static string Format(DateTimeOffset when)
    {
        var local = when.ToLocalTime();
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        var zone = ZoneAbbreviation(local.ToUnixTimeSeconds());
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{local:ddd, d MMM yyyy HH:mm:ss} {sign}{abs.Hours:00}{abs.Minutes:00}");
        return zone is null ? text : text + " (" + zone + ")";
    }

    public static string Now() => Format(DateTimeOffset.Now);

    /// <summary>The tm_zone field localtime_r fills in; null when the C library gives none.</summary>
    private static string? ZoneAbbreviation(long unixTime)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var tm = Marshal.AllocHGlobal(128);
        try
        {
            if (LocalTimeR(ref unixTime, tm) == IntPtr.Zero)
                return null;
            // struct tm on 64-bit glibc: nine ints, padding, long tm_gmtoff (offset 40), char *tm_zone (offset 48).
            var zonePtr = Marshal.ReadIntPtr(tm, 48);
            return zonePtr == IntPtr.Zero ? null : Marshal.PtrToStringAnsi(zonePtr);
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(tm);
        }
    }

    [DllImport("libc", EntryPoint = "localtime_r")]
    private static extern IntPtr LocalTimeR(ref long time, IntPtr result);
}
