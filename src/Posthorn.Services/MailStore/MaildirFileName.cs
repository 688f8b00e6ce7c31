using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Services.MailStore;

/// <summary>
/// Maildir file names (cr.yp.to/proto/maildir.html): a unique base name
/// <c>SECONDS.MusecPpidQcounterRrandom.HOST,S=SIZE,W=VSIZE</c> (S is the size on disk, W the
/// size with CRLF line ends as Dovecot writes it, so POP3 and IMAP sizes need no reading),
/// then, once the message is in cur/, the info <c>:2,FLAGS</c>. '/' and ':' in the host name
/// are written as <c>\057</c> and <c>\072</c> (and ',' as <c>\054</c>), as the specification says.
/// </summary>
public static class MaildirFileName
{
    private static long _counter;

    /// <summary>A new unique base name.</summary>
    public static string NewBaseName(DateTimeOffset now, string host, long size, long virtualSize)
    {
        long q = Interlocked.Increment(ref _counter);
        long usec = now.ToUnixTimeMilliseconds() % 1000 * 1000 + now.Ticks / 10 % 1000;
        var random = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var safeHost = host.Replace("/", "\\057", StringComparison.Ordinal).Replace(":", "\\072", StringComparison.Ordinal).Replace(",", "\\054", StringComparison.Ordinal);
        return string.Create(CultureInfo.InvariantCulture,
            $"{now.ToUnixTimeSeconds()}.M{usec}P{Environment.ProcessId}Q{q}R{random}.{safeHost},S={size},W={virtualSize}");
    }

    /// <summary>The base name: the file name without its <c>:2,...</c> info.</summary>
    public static string BaseName(string fileName)
    {
        int colon = fileName.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? fileName : fileName[..colon];
    }

    /// <summary>The flag letters after <c>:2,</c>, or "" when there is no info.</summary>
    public static string InfoLetters(string fileName)
    {
        int i = fileName.IndexOf(":2,", StringComparison.Ordinal);
        return i < 0 ? "" : fileName[(i + 3)..];
    }

    /// <summary>The file name for a base name and flags, keeping non-flag letters of <paramref name="oldLetters"/>.</summary>
    public static string WithFlags(string baseName, MessageFlags flags, string oldLetters = "") =>
        baseName + ":2," + MessageFlagLetters.ToMaildir(flags, oldLetters);

    /// <summary>The value of a <c>,S=</c> or <c>,W=</c> field in a base name, or null.</summary>
    public static long? SizeField(string baseName, char field)
    {
        var marker = "," + field + "=";
        int i = baseName.IndexOf(marker, StringComparison.Ordinal);
        if (i < 0)
            return null;
        int start = i + marker.Length, end = start;
        while (end < baseName.Length && char.IsAsciiDigit(baseName[end]))
            end++;
        return long.TryParse(baseName.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>The seconds prefix of a base name, for ordering new messages by arrival.</summary>
    internal static long TimePrefix(string baseName)
    {
        int dot = baseName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && long.TryParse(baseName.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : long.MaxValue;
    }

    /// <summary>
    /// The microseconds of a "SECONDS.Musec..." name (not zero-padded, so they must be compared
    /// as numbers, not text), or 0 for names written by other Maildir writers.
    /// </summary>
    internal static long MicrosecondPrefix(string baseName)
    {
        int dot = baseName.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || dot + 1 >= baseName.Length || baseName[dot + 1] != 'M')
            return 0;
        int end = dot + 2;
        while (end < baseName.Length && char.IsAsciiDigit(baseName[end]))
            end++;
        return long.TryParse(baseName.AsSpan(dot + 2, end - dot - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
    }

    /// <summary>Counts bytes of <paramref name="data"/> as they would be with CRLF line ends.</summary>
    internal static long VirtualSize(ReadOnlySpan<byte> data, ref byte previous)
    {
        long n = data.Length;
        foreach (var b in data)
        {
            if (b == (byte)'\n' && previous != (byte)'\r')
                n++;
            previous = b;
        }
        return n;
    }

    internal static string HostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "localhost";
        }
    }

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
