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
    public static QueueFileStatus Write(string path, TextWriter output, bool showOffsets = false)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"postcat: open {path}: {e.Message}");
            return e is FileNotFoundException or DirectoryNotFoundException ? QueueFileStatus.Missing : QueueFileStatus.IOError;
        }
        using (stream)
        {
            var status = QueueFileStatus.Incomplete;
            string? problem = null;
            output.WriteLine($"*** ENVELOPE RECORDS {path} ***");
            var content = new List<byte>();
            bool inContent = false;
            foreach (var record in QueueFileReader.EnumerateRecords(stream, (s, why) => (status, problem) = (s, why)))
            {
                if (inContent && record.RecordType != RecordType.Content)
                {
                    output.Write(Encoding.UTF8.GetString(content.ToArray()).ReplaceLineEndings("\n"));
                    content.Clear();
                    inContent = false;
                }
                string prefix = showOffsets ? $"{record.Offset,9} " : "";
                switch (record.RecordType)
                {
                    case RecordType.Message:
                        output.WriteLine($"{prefix}*** MESSAGE CONTENTS {path} ***");
                        inContent = true;
                        break;
                    case RecordType.Content:
                        content.AddRange(record.Data.Span);
                        break;
                    case RecordType.Extracted:
                        output.WriteLine($"{prefix}*** HEADER EXTRACTED {path} ***");
                        break;
                    case RecordType.End:
                        output.WriteLine($"{prefix}*** MESSAGE FILE END {path} ***");
                        status = QueueFileStatus.Ok;
                        break;
                    default:
                        output.WriteLine($"{prefix}{Name(record)}: {Value(record)}");
                        break;
                }
            }
            if (content.Count > 0)
                output.Write(Encoding.UTF8.GetString(content.ToArray()).ReplaceLineEndings("\n"));
            if (status != QueueFileStatus.Ok)
                output.WriteLine($"postcat: {path}: {(status == QueueFileStatus.Corrupt ? "corrupt" : "incomplete")} queue file{(problem is null ? "" : ": " + problem)}");
            return status;
        }
    }

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

    private static string Value(QueueRecord r)
    {
        if (r.RecordType == RecordType.Time && QueueFileReader.TryParseTime(r.Text, out var t))
            return t.ToUniversalTime().ToString("ddd MMM d HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture);
        if (r.RecordType == RecordType.Size)
            return r.Text.Trim();
        return r.Text;
    }
}
