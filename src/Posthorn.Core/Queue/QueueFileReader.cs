using System.Globalization;
using System.Text;

namespace Posthorn.Core.Queue;

/// <summary>
/// Reads a queue file (docs/queue-format.md) and checks its structure: the size record first,
/// envelope records, the content, the extracted section, then the end record and nothing after.
/// A file without its end record reads as <see cref="QueueFileStatus.Incomplete"/>; anything
/// malformed as <see cref="QueueFileStatus.Corrupt"/> (the caller moves it to the corrupt queue).
/// Never throws: every problem comes back as a status and a message for the log.
/// </summary>
public static class QueueFileReader
{
    private enum Section { Envelope, Content, Extracted, End }

    /// <summary>Reads the envelope, recipients and extracted data; the content is located, not loaded.</summary>
    public static QueueReadResult Read(string path, int maxRecordLength = RecordIO.DefaultMaxLength)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            return Parse(stream, path, maxRecordLength);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new QueueReadResult(QueueFileStatus.Missing, null, $"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new QueueReadResult(QueueFileStatus.IOError, null, $"{path}: {e.Message}");
        }
    }

    /// <summary>
    /// Every record in file order, content included (for postcat). Stops at the first problem,
    /// which is reported through <paramref name="onError"/> with the status it implies.
    /// </summary>
    public static IEnumerable<QueueRecord> EnumerateRecords(Stream stream, Action<QueueFileStatus, string> onError,
        int maxRecordLength = RecordIO.DefaultMaxLength)
    {
        while (true)
        {
            long offset = stream.Position;
            var status = RecordIO.ReadHeader(stream, maxRecordLength, out byte type, out int length);
            if (status == RecordIO.HeaderStatus.EndOfFile)
                yield break;
            if (status != RecordIO.HeaderStatus.Ok)
            {
                onError(status == RecordIO.HeaderStatus.Truncated ? QueueFileStatus.Incomplete : QueueFileStatus.Corrupt,
                    $"bad record at offset {offset}");
                yield break;
            }
            var data = new byte[length];
            if (stream.ReadAtLeast(data, length, throwOnEndOfStream: false) < length)
            {
                onError(QueueFileStatus.Incomplete, $"premature end of file in record at offset {offset}");
                yield break;
            }
            yield return new QueueRecord(offset, type, data);
        }
    }

    private static QueueReadResult Parse(Stream stream, string path, int maxRecordLength)
    {
        var file = new QueueFile(path);
        QueueReadResult Fail(QueueFileStatus status, string why) => new(status, null, $"{path}: {why}");

        // The size record comes first; a file that does not start with it is not a queue file.
        var hs = RecordIO.ReadHeader(stream, maxRecordLength, out byte firstType, out int firstLength);
        if (hs == RecordIO.HeaderStatus.EndOfFile)
            return Fail(QueueFileStatus.Incomplete, "empty file");
        if (firstType != (byte)RecordType.Size || (hs == RecordIO.HeaderStatus.Ok && firstLength != QueueFileWriter.SizeDataLength))
            return Fail(QueueFileStatus.Corrupt, "not a queue file: no size record at the start");
        if (hs == RecordIO.HeaderStatus.Truncated)
            return Fail(QueueFileStatus.Incomplete, "premature end of file");
        var sizeData = new byte[firstLength];
        if (stream.ReadAtLeast(sizeData, firstLength, throwOnEndOfStream: false) < firstLength)
            return Fail(QueueFileStatus.Incomplete, "premature end of file in size record");
        if (!TryParseSize(sizeData, out long contentOffset, out long contentLength, out long recipientCount, out long extractedOffset))
            return Fail(QueueFileStatus.Corrupt, "bad size record");

        var section = Section.Envelope;
        string? orcpt = null, notify = null, original = null;
        bool sawTime = false, sawFrom = false;
        long seenContentOffset = -1, seenContent = 0, seenExtracted = -1;
        while (true)
        {
            long offset = stream.Position;
            hs = RecordIO.ReadHeader(stream, maxRecordLength, out byte type, out int length);
            if (hs == RecordIO.HeaderStatus.EndOfFile)
                return section == Section.End ? Check() : Fail(QueueFileStatus.Incomplete, "no end record");
            if (hs == RecordIO.HeaderStatus.Truncated)
                return Fail(QueueFileStatus.Incomplete, $"premature end of file in record at offset {offset}");
            if (hs == RecordIO.HeaderStatus.Corrupt)
                return Fail(QueueFileStatus.Corrupt, $"bad record length at offset {offset}");
            if (section == Section.End)
                return Fail(QueueFileStatus.Corrupt, $"data after the end record at offset {offset}");
            if (stream.Length - stream.Position < length)
                return Fail(QueueFileStatus.Incomplete, $"premature end of file in record at offset {offset}");

            var rt = (RecordType)type;
            if (rt == RecordType.Content)
            {
                if (section != Section.Content)
                    return Fail(QueueFileStatus.Corrupt, $"content record outside the content at offset {offset}");
                seenContent += length;
                stream.Seek(length, SeekOrigin.Current);
                continue;
            }
            var data = new byte[length];
            stream.ReadExactly(data);
            string text;
            try
            {
                text = Strict.GetString(data);
            }
            catch (DecoderFallbackException)
            {
                return Fail(QueueFileStatus.Corrupt, $"record is not UTF-8 at offset {offset}");
            }
            bool envelope = section == Section.Envelope, extracted = section == Section.Extracted;
            switch (rt)
            {
                case RecordType.Time when envelope && !sawTime:
                    if (!TryParseTime(text, out var time))
                        return Fail(QueueFileStatus.Corrupt, $"bad time record at offset {offset}");
                    file.ArrivalTime = time;
                    sawTime = true;
                    break;
                case RecordType.From when envelope && !sawFrom:
                    file.Sender = text;
                    sawFrom = true;
                    break;
                case RecordType.Attribute when envelope || extracted:
                    int eq = text.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                        return Fail(QueueFileStatus.Corrupt, $"bad attribute record at offset {offset}");
                    (envelope ? file.AttributeMap : file.ExtractedMap)[text[..eq]] = text[(eq + 1)..];
                    break;
                case RecordType.DsnEnvid when envelope:
                    file.DsnEnvid = text;
                    break;
                case RecordType.DsnRet when envelope:
                    file.DsnRet = text;
                    break;
                case RecordType.DsnOrcpt when envelope || extracted:
                    orcpt = text;
                    break;
                case RecordType.DsnNotify when envelope || extracted:
                    notify = text;
                    break;
                case RecordType.OriginalRecipient when envelope || extracted:
                    original = text;
                    break;
                case RecordType.Recipient or RecordType.Done when envelope || extracted:
                    file.RecipientList.Add(new QueueRecipient(text, original, notify, orcpt, rt == RecordType.Done, offset, extracted));
                    orcpt = notify = original = null;
                    break;
                case RecordType.Message when envelope && length == 0:
                    if (!sawTime || !sawFrom)
                        return Fail(QueueFileStatus.Corrupt, "envelope without arrival time or sender");
                    if (orcpt is not null || notify is not null || original is not null)
                        return Fail(QueueFileStatus.Corrupt, "recipient data without a recipient");
                    section = Section.Content;
                    seenContentOffset = stream.Position;
                    break;
                case RecordType.Extracted when section == Section.Content && length == 0:
                    section = Section.Extracted;
                    seenExtracted = offset;
                    break;
                case RecordType.End when extracted && length == 0:
                    if (orcpt is not null || notify is not null || original is not null)
                        return Fail(QueueFileStatus.Corrupt, "recipient data without a recipient");
                    section = Section.End;
                    break;
                default:
                    return Fail(QueueFileStatus.Corrupt, $"unexpected record type {Printable(type)} at offset {offset}");
            }
        }

        QueueReadResult Check()
        {
            if (seenContentOffset != contentOffset || seenContent != contentLength
                || seenExtracted != extractedOffset || file.RecipientList.Count != recipientCount)
                return Fail(QueueFileStatus.Corrupt, "size record does not match the file");
            file.ContentOffset = contentOffset;
            file.ContentLength = contentLength;
            return new QueueReadResult(QueueFileStatus.Ok, file, null);
        }
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    internal static string Printable(byte type) =>
        type is >= 0x21 and <= 0x7e ? ((char)type).ToString() : "\\x" + type.ToString("x2", CultureInfo.InvariantCulture);

    internal static bool TryParseSize(byte[] data, out long contentOffset, out long contentLength,
        out long recipients, out long extractedOffset)
    {
        contentOffset = contentLength = recipients = extractedOffset = 0;
        var fields = Encoding.ASCII.GetString(data).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == QueueFileWriter.SizeFieldCount
            && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out contentOffset)
            && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out contentLength)
            && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out recipients)
            && long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out extractedOffset);
    }

    internal static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var parts = text.Split(' ');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sec)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long usec)
            || usec >= 1_000_000 || sec > 253402300799L)
            return false;
        time = DateTimeOffset.FromUnixTimeSeconds(sec).AddTicks(usec * 10);
        return true;
    }
}
