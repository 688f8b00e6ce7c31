using System.Globalization;
using System.Text;

namespace Posthorn.Services.MailStore;

/// <summary>
/// Appends a message to a UNIX mbox file the way Postfix's local(8) does (mail_copy.c with
/// MAIL_COPY_MBOX): under the <c>mailbox_delivery_lock</c> locks, write the From_ line
/// <c>From SENDER  DATE</c> (two spaces, asctime(3) local time, MAILER-DAEMON for the null
/// sender), then the message with every line that begins with "From " quoted as ">From "
/// (the mboxo convention Postfix writes: lines already starting with ">From " are left
/// alone), ending with a newline and one blank line. CRLF line ends become LF. The file is
/// fsynced; on any failure it is truncated back to its original length, so a mailbox is never
/// left with half a message. The mailbox is made mode 0600 when missing. Runs as the recipient.
/// </summary>
public static class MboxWriter
{
    private static readonly byte[] FromSpace = "From "u8.ToArray();

    /// <summary>Appends <paramref name="content"/>; returns the number of bytes written.</summary>
    /// <exception cref="MailboxLockException">The mailbox stayed locked by someone else.</exception>
    /// <exception cref="IOException">Reading the message or writing the mailbox failed; the mailbox is unchanged.</exception>
    public static long Append(string path, string sender, DateTime localTime, Stream content, MailboxLockOptions? lockOptions = null, CancellationToken cancel = default)
    {
        using var handle = NativeFile.Open(path, NativeFile.OWrOnly | NativeFile.OCreat);
        using var mailboxLock = MailboxLock.Acquire(handle, path, lockOptions ?? MailboxLockOptions.Default, cancel);
        using var fs = NativeFile.Stream(handle, FileAccess.Write);
        return AppendLocked(fs, sender, localTime, content);
    }

    /// <summary>Appends to a stream already opened and locked by the caller (the mbox mailbox's own APPEND).</summary>
    internal static long AppendLocked(FileStream fs, string sender, DateTime localTime, Stream content)
    {
        long original = fs.Length;
        try
        {
            fs.Seek(0, SeekOrigin.End);
            // Not disposed: disposing a BufferedStream closes the mailbox under it.
            var buffered = new BufferedStream(fs, 64 * 1024);
            buffered.Write(Encoding.UTF8.GetBytes(FromLine(sender, localTime)));
            CopyQuoted(content, buffered);
            buffered.Flush();
            fs.Flush(flushToDisk: true);
            return fs.Length - original;
        }
        catch
        {
            try
            {
                fs.SetLength(original);
                fs.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }

    /// <summary><c>From SENDER  Www Mmm dd hh:mm:ss yyyy</c> and a newline.</summary>
    public static string FromLine(string sender, DateTime localTime)
    {
        var who = sender.Length == 0 ? "MAILER-DAEMON" : QuoteLocalPart(sender);
        return string.Create(CultureInfo.InvariantCulture, $"From {who}  {AscTime(localTime)}\n");
    }

    /// <summary>asctime(3) without the newline: <c>Tue Nov  4 09:05:01 2026</c>.</summary>
    public static string AscTime(DateTime t) =>
        t.ToString("ddd MMM ", CultureInfo.InvariantCulture) + t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + t.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);

    /// <summary>Quotes a local part that holds white space, as quote_822_local does, so the From_ line stays one token.</summary>
    private static string QuoteLocalPart(string address)
    {
        int at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        if (!local.Any(c => c is ' ' or '\t' or '"' or '\\') || (local.StartsWith('"') && local.EndsWith('"')))
            return address;
        var quoted = "\"" + local.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return at < 0 ? quoted : quoted + address[at..];
    }

    /// <summary>Copies the message, quoting "From " at line starts, turning CRLF into LF, ending with a newline and a blank line.</summary>
    private static void CopyQuoted(Stream src, Stream dst)
    {
        var buffer = new byte[64 * 1024];
        Span<byte> head = stackalloc byte[5];
        int pending = 0;
        bool atLineStart = true, pendingCr = false;
        byte last = (byte)'\n';
        int n;

        void Put(Stream s, byte b, ref byte lastByte)
        {
            s.WriteByte(b);
            lastByte = b;
        }

        while ((n = src.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                byte b = buffer[i];
                if (pendingCr)
                {
                    pendingCr = false;
                    if (b != (byte)'\n')
                        Feed((byte)'\r', dst, head, ref pending, ref atLineStart, ref last);
                }
                if (b == (byte)'\r')
                {
                    pendingCr = true;
                    continue;
                }
                Feed(b, dst, head, ref pending, ref atLineStart, ref last);
            }
        }
        if (pendingCr)
            Feed((byte)'\r', dst, head, ref pending, ref atLineStart, ref last);
        for (int i = 0; i < pending; i++)
            Put(dst, head[i], ref last);
        if (last != (byte)'\n')
            dst.WriteByte((byte)'\n');
        dst.WriteByte((byte)'\n');
    }

    private static void Feed(byte b, Stream dst, Span<byte> head, ref int pending, ref bool atLineStart, ref byte last)
    {
        if (!atLineStart)
        {
            dst.WriteByte(b);
            last = b;
            atLineStart = b == (byte)'\n';
            return;
        }
        head[pending++] = b;
        if (b == FromSpace[pending - 1])
        {
            if (pending < FromSpace.Length)
                return;
            dst.WriteByte((byte)'>');
            dst.Write(head[..pending]);
            last = b;
            pending = 0;
            atLineStart = false;
            return;
        }
        dst.Write(head[..pending]);
        last = b;
        pending = 0;
        atLineStart = b == (byte)'\n';
    }
}
