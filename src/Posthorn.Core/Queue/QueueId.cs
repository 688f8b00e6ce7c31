using System.Globalization;
using System.Text;

namespace Posthorn.Core.Queue;

/// <summary>
/// Queue ids as Postfix makes them (mail_queue(3)). Short form (enable_long_queue_ids = no): the
/// microseconds of the arrival time as five upper-case hex digits, then the queue file's inode
/// number in upper-case hex, e.g. <c>3F2A11B2C4</c>. Long form (enable_long_queue_ids = yes):
/// seconds (base 52, at least six characters), microseconds (base 52, exactly four), the
/// separator 'z', then the inode number (base 51, so it holds no 'z'), e.g.
/// <c>4Vx9hK0Qxz1bT</c>. The alphabet leaves out vowels so ids never spell words.
/// No two queue files that exist at once can share an id (the inode differs), and the time part
/// keeps ids apart across restarts.
/// </summary>
public static class QueueId
{
    /// <summary>Postfix's "safe" alphabet: digits, then consonants upper, then lower case.</summary>
    internal const string SafeAlphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    private const char LongSeparator = 'z';
    private const int ShortUsecLength = 5;
    private const int LongSecPad = 6;
    private const int LongUsecLength = 4;

    /// <summary>Makes an id from an arrival time and the queue file's inode number.</summary>
    public static string Create(DateTimeOffset time, ulong inode, bool longForm)
    {
        long unixMicros = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        long sec = unixMicros / 1_000_000;
        int usec = (int)(unixMicros % 1_000_000);
        if (!longForm)
            return usec.ToString("X5", CultureInfo.InvariantCulture) + inode.ToString("X", CultureInfo.InvariantCulture);
        return Encode((ulong)sec, 52, LongSecPad) + Encode((ulong)usec, 52, LongUsecLength)
            + LongSeparator + Encode(inode, 51, 0);
    }

    /// <summary>True for a long-form id (a 'z' after at least ten time characters).</summary>
    public static bool IsLong(string id)
    {
        int z = id.LastIndexOf(LongSeparator);
        return z >= LongSecPad + LongUsecLength;
    }

    /// <summary>
    /// A file name Postfix would accept as a queue id: 1 to 255 characters, letters, digits
    /// and '_' (mail_queue_id_ok).
    /// </summary>
    public static bool IsValid(string id)
    {
        if (id.Length is 0 or > 255)
            return false;
        foreach (char c in id)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }

    /// <summary>
    /// The characters the hashed directory names are taken from: the id itself for a short id;
    /// for a long id, its microseconds re-encoded as the five hex digits a short id would start
    /// with, so that both forms spread over the same subdirectories (as Postfix does).
    /// </summary>
    public static string HashKey(string id)
    {
        if (!IsLong(id))
            return id;
        int z = id.LastIndexOf(LongSeparator);
        var usecText = id.Substring(z - LongUsecLength, LongUsecLength);
        if (!TryDecode(usecText, 52, out ulong usec))
            return id;
        return usec.ToString("X5", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The arrival second of a long id, or null for a short id (which does not carry it).
    /// </summary>
    public static DateTimeOffset? ArrivalTime(string id)
    {
        if (!IsLong(id))
            return null;
        int z = id.LastIndexOf(LongSeparator);
        if (!TryDecode(id[..(z - LongUsecLength)], 52, out ulong sec)
            || !TryDecode(id.Substring(z - LongUsecLength, LongUsecLength), 52, out ulong usec)
            || sec > 253402300799UL)
            return null;
        return DateTimeOffset.FromUnixTimeSeconds((long)sec).AddTicks((long)usec * 10);
    }

    internal static string Encode(ulong value, int radix, int minWidth)
    {
        var sb = new StringBuilder();
        do
        {
            sb.Insert(0, SafeAlphabet[(int)(value % (ulong)radix)]);
            value /= (ulong)radix;
        }
        while (value != 0);
        while (sb.Length < minWidth)
            sb.Insert(0, '0');
        return sb.ToString();
    }

    internal static bool TryDecode(string text, int radix, out ulong value)
    {
        value = 0;
        if (text.Length == 0)
            return false;
        foreach (char c in text)
        {
            int digit = SafeAlphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0 || digit >= radix)
                return false;
            if (value > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
                return false;
            value = value * (ulong)radix + (ulong)digit;
        }
        return true;
    }
}
