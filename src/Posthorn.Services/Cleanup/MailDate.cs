using System.Globalization;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// Postfix's mail_date(): the RFC 5322 date Postfix writes in Received: and Date: headers,
/// in local time with the UTC offset and the zone abbreviation:
/// <c>Tue, 24 Nov 2026 23:45:01 +0000 (UTC)</c>; the day of month is space-padded
/// (strftime's %e) as Postfix 3.7 writes it.
/// </summary>
public static class MailDate
{
    public static string Format(DateTimeOffset when, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Local;
        var local = TimeZoneInfo.ConvertTime(when, zone);
        var offset = local.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv,
            $"{local.ToString("ddd, ", inv)}{local.Day,2} {local.ToString("MMM yyyy HH:mm:ss", inv)} {sign}{abs.Hours:00}{abs.Minutes:00} ({Abbreviation(zone, local)})");
    }

    /// <summary>The zone's abbreviation as strftime's %Z gives it ("UTC", "CET"), or a numeric form ("+01").</summary>
    private static string Abbreviation(TimeZoneInfo zone, DateTimeOffset local)
    {
        if (zone.Id is "UTC" or "Etc/UTC" or "Universal" or "Zulu" || zone == TimeZoneInfo.Utc)
            return "UTC";
        var name = zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
        if (name.Length is > 0 and <= 6 && !name.Contains(' ', StringComparison.Ordinal))
            return name;
        var o = local.Offset;
        var s = (o < TimeSpan.Zero ? "-" : "+") + o.Duration().Hours.ToString("00", CultureInfo.InvariantCulture);
        return o.Minutes == 0 ? s : s + o.Duration().Minutes.ToString("00", CultureInfo.InvariantCulture);
    }
}
