using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// IMAP's date forms (RFC 3501 section 9): date "1-Feb-1994" for SEARCH, date-time
/// "17-Jul-1996 02:44:25 -0700" for INTERNALDATE and APPEND (day space-padded to two characters
/// when formatted). Month names are English and case-insensitive.
/// </summary>
public static class ImapDate
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <summary>Parses a SEARCH date ("1-Feb-1994").</summary>
    public static bool TryParseDate(string text, out DateOnly date)
    {
        date = default;
        var parts = text.Split('-');
        if (parts.Length != 3 || parts[0].Length is < 1 or > 2 || parts[2].Length != 4
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            return false;
        }

        var month = Array.FindIndex(Months, m => m.Equals(parts[1], StringComparison.OrdinalIgnoreCase)) + 1;
        if (month == 0 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>Parses a date-time ("17-Jul-1996 02:44:25 -0700", day may be space-padded).</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length == 26 && text[0] == ' ')
        {
            text = text[1..];
        }

        var parts = text.Split(' ');
        if (parts.Length != 3 || !TryParseDate(parts[0], out var date) || parts[1].Length != 8 || parts[2].Length != 5
            || !TimeOnly.TryParseExact(parts[1], "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            || parts[2][0] is not ('+' or '-')
            || !int.TryParse(parts[2].AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var zh)
            || !int.TryParse(parts[2].AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var zm)
            || zm > 59 || zh > 14)
        {
            return false;
        }

        var offset = new TimeSpan(zh, zm, 0);
        value = new DateTimeOffset(date.ToDateTime(time), parts[2][0] == '-' ? -offset : offset);
        return true;
    }

    /// <summary>Formats a date-time the way INTERNALDATE is sent, without quotes: "17-Jul-1996 02:44:25 -0700", day padded with a space.</summary>
    public static string FormatDateTime(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.Day,2}-{Months[value.Month - 1]}-{value.Year:D4} {value.Hour:D2}:{value.Minute:D2}:{value.Second:D2} {sign}{offset.Hours:D2}{offset.Minutes:D2}");
    }

    /// <summary>Formats a SEARCH date, "1-Feb-1994".</summary>
    public static string FormatDate(DateOnly value) =>
        string.Create(CultureInfo.InvariantCulture, $"{value.Day}-{Months[value.Month - 1]}-{value.Year:D4}");
}
