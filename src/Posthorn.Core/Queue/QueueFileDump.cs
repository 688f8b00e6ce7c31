using System.Text;

namespace Posthorn.Core.Queue;

/// <summary>
/// What postcat(1) prints: the envelope records ("*** ENVELOPE RECORDS file ***", then
/// "name: value" lines such as message_arrival_time, sender, recipient, done_recipient), the
/// content ("*** MESSAGE CONTENTS file ***"), the extracted records ("*** HEADER EXTRACTED file
/// ***") and "*** MESSAGE FILE END file ***". With offsets (postcat -o) each record line starts
/// with its file offset. A damaged file is dumped up to the damage, then the problem is named.
/// </summary>
public static class QueueFileDump
{
    /// <summary>Writes the dump of <paramref name="path"/>; returns the file's status.</summary>
    public static QueueFileStatus Write(string path, TextWriter output, bool showOffsets = false) =>
        Write(path, output, QueueDumpSections.All, showOffsets, path, null);

    /// <summary>
    /// Writes the selected sections of <paramref name="path"/>, as postcat -e (envelope and
    /// markers), -h (header text), -b (body text) select them; <paramref name="displayPath"/>
    /// is the name shown in the markers (postcat -q shows "deferred/A/ABC..."); arrival times are
    /// shown in <paramref name="zone"/> (local time, as asctime(localtime()) shows them).
    /// </summary>
    public static QueueFileStatus Write(string path, TextWriter output, QueueDumpSections sections, bool showOffsets,
        string displayPath, TimeZoneInfo? zone)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (sections == QueueDumpSections.None)
            sections = QueueDumpSections.All;
        bool env = (sections & QueueDumpSections.Envelope) != 0;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"postcat: open {displayPath}: {e.Message}");
            return e is FileNotFoundException or DirectoryNotFoundException ? QueueFileStatus.Missing : QueueFileStatus.IOError;
        }
        using (stream)
        {
            var status = QueueFileStatus.Incomplete;
            string? problem = null;
            if (env)
                output.WriteLine($"*** ENVELOPE RECORDS {displayPath} ***");
            var content = new List<byte>();
            bool inContent = false;
            // Our writer puts the SMTP recipients after the content (they are known before DATA,
            // but the file is streamed); Postfix's postcat shows them among the envelope records.
            var records = QueueFileReader.EnumerateRecords(stream, (s, why) => (status, problem) = (s, why)).ToList();
            int extracted = records.FindIndex(r => r.RecordType == RecordType.Extracted);
            var moved = extracted < 0 ? [] : records.Skip(extracted + 1).Where(IsRecipientRecord).ToList();
            var movedOffsets = moved.Select(m => m.Offset).ToHashSet();
            foreach (var record in records)
            {
                if (moved.Count > 0 && record.RecordType == RecordType.Message && env)
                    foreach (var m in moved)
                        output.WriteLine($"{(showOffsets ? $"{m.Offset,9} " : "")}{Name(m)}: {Value(m, zone)}");
                if (movedOffsets.Contains(record.Offset))
                    continue;
                if (inContent && record.RecordType != RecordType.Content)
                {
                    WriteContent(output, content, sections);
                    content.Clear();
                    inContent = false;
                }
                string prefix = showOffsets ? $"{record.Offset,9} " : "";
                switch (record.RecordType)
                {
                    case RecordType.Message:
                        if (env)
                            output.WriteLine($"{prefix}*** MESSAGE CONTENTS {displayPath} ***");
                        inContent = true;
                        break;
                    case RecordType.Content:
                        content.AddRange(record.Data.Span);
                        break;
                    case RecordType.Extracted:
                        if (env)
                            output.WriteLine($"{prefix}*** HEADER EXTRACTED {displayPath} ***");
                        break;
                    case RecordType.End:
                        if (env)
                            output.WriteLine($"{prefix}*** MESSAGE FILE END {displayPath} ***");
                        status = QueueFileStatus.Ok;
                        break;
                    default:
                        if (env)
                            output.WriteLine($"{prefix}{Name(record)}: {Value(record, zone)}");
                        break;
                }
            }
            if (content.Count > 0)
                WriteContent(output, content, sections);
            if (status != QueueFileStatus.Ok)
                output.WriteLine($"postcat: {displayPath}: {(status == QueueFileStatus.Corrupt ? "corrupt" : "incomplete")} queue file{(problem is null ? "" : ": " + problem)}");
            return status;
        }
    }

    /// <summary>The content, or only its header or body part (the header ends at the first empty line).</summary>
    private static void WriteContent(TextWriter output, List<byte> content, QueueDumpSections sections)
    {
        var text = Encoding.UTF8.GetString(content.ToArray()).ReplaceLineEndings("\n");
        bool header = (sections & QueueDumpSections.Header) != 0, body = (sections & QueueDumpSections.Body) != 0;
        if (header && body)
        {
            output.Write(text);
            return;
        }
        int split = text.StartsWith('\n') ? 0 : text.IndexOf("\n\n", StringComparison.Ordinal);
        int bodyStart = split < 0 ? text.Length : split == 0 ? 1 : split + 2;
        int headerEnd = split < 0 ? text.Length : split == 0 ? 0 : split + 1;
        if (header)
            output.Write(text[..headerEnd]);
        else if (body)
            output.Write(text[bodyStart..]);
    }

    private static bool IsRecipientRecord(QueueRecord r) => r.RecordType is RecordType.Recipient or RecordType.OriginalRecipient
        or RecordType.DsnOrcpt or RecordType.DsnNotify or RecordType.Done;

    private static string Name(QueueRecord r) => r.RecordType switch
    {
        RecordType.Size => "message_size",
        RecordType.Time => "message_arrival_time",
        RecordType.From => "sender",
        RecordType.Attribute => "named_attribute",
        RecordType.DsnEnvid => "dsn_envelope_id",
        RecordType.DsnRet => "dsn_return_type",
        RecordType.DsnOrcpt => "dsn_original_recipient",
        RecordType.DsnNotify => "dsn_notify_flags",
        RecordType.OriginalRecipient => "original_recipient",
        RecordType.Recipient => "recipient",
        RecordType.Done => "done_recipient",
        _ => "unknown_record_type_" + QueueFileReader.Printable(r.Type),
    };

    /// <summary>
    /// Our size record (content offset, length, recipients, extracted offset) shown in Postfix's
    /// six-field layout: content length, data offset, recipient count, qmgr options, content
    /// length, SMTPUTF8 flags, each 15 wide, so postcat output reads as Postfix's.
    /// </summary>
    private static string PostfixSizeLayout(string text)
    {
        var f = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 3)
            return text.Trim();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{f[1],15} {f[0],15} {f[2],15} {0,15} {f[1],15} {0,15}");
    }

    private static string Value(QueueRecord r, TimeZoneInfo? zone)
    {
        if (r.RecordType == RecordType.Time && QueueFileReader.TryParseTime(r.Text, out var t))
        {
            if (zone is null)
                return t.ToUniversalTime().ToString("ddd MMM d HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture);
            var local = TimeZoneInfo.ConvertTime(t, zone).DateTime;
            return local.ToString("ddd MMM ", System.Globalization.CultureInfo.InvariantCulture)
                + local.Day.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(2)
                + local.ToString(" HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture);
        }
        if (r.RecordType == RecordType.Size)
            return PostfixSizeLayout(r.Text);
        return r.Text;
    }
}

/// <summary>The parts of a queue file postcat prints: envelope records (-e), header text (-h), body text (-b).</summary>
[Flags]
public enum QueueDumpSections
{
    None = 0,
    Envelope = 1,
    Header = 2,
    Body = 4,
    All = Envelope | Header | Body,
}
