using System.Globalization;
using System.Text;

namespace Posthorn.Core.Queue;

/// <summary>
/// One recipient's entry in a per-message delivery log (docs/queue-format.md, "Delivery
/// logs"): the recipient, its original recipient, the offset of its record in the queue file,
/// the DSN ORCPT and NOTIFY, the DSN status ("4.4.1"), the action ("delayed", "failed",
/// "delivered", "relayed", "expanded") and the human-readable reason, as Postfix's bounce_log(3)
/// keeps them.
/// </summary>
public sealed record DeferLogEntry(
    string Recipient,
    string Status,
    string Action,
    string Reason,
    string? OriginalRecipient = null,
    long Offset = 0,
    string? DsnOrcpt = null,
    string? DsnNotify = null);

/// <summary>
/// The per-message delivery logs Postfix's bounce(8) keeps and showq(8), mailq and the bounce
/// notices read: one file per queue id under <c>defer/</c> (recipients deferred, with why) and
/// <c>bounce/</c> (recipients that failed, not yet reported to the sender), hashed as those
/// queues are (hash_queue_names). Each entry is a block of <c>name=value</c> lines ended by an
/// empty line: recipient, orig_rcpt, offset, dsn_orig_rcpt, notify_flags, status, action,
/// reason. Values are made printable (control characters become '?'), so a reason never breaks
/// a block. The queue manager appends with <see cref="Append"/>; postqueue, postsuper and the
/// bounce service read with <see cref="Read"/>, which skips a damaged block and never throws.
/// </summary>
public static class DeferLog
{
    /// <summary>The log file of a message in the defer or bounce log queue.</summary>
    public static string PathOf(QueueDirectory queue, string logQueue, string queueId) => queue.PathOf(logQueue, queueId);

    /// <summary>
    /// Appends entries to the log of <paramref name="queueId"/> in <paramref name="logQueue"/>
    /// (<see cref="QueueNames.Defer"/> or <see cref="QueueNames.Bounce"/>), creating the file
    /// (0600) and hashed directories as needed, and fsyncs it.
    /// </summary>
    public static void Append(QueueDirectory queue, string logQueue, string queueId, IEnumerable<DeferLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(entries);
        var path = PathOf(queue, logQueue, queueId);
        var dir = Path.GetDirectoryName(path)!;
        bool newDir = !Directory.Exists(dir);
        if (newDir)
            DurableFile.CreateDirectory(dir);
        var text = new StringBuilder();
        foreach (var e in entries)
            Format(text, e);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        bool existed = File.Exists(path);
        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            queue.FileSystem.Sync(stream);
        }
        if (!existed)
            queue.FileSystem.SyncDirectory(dir);
    }

    /// <summary>The entries of a message's log, in file order; empty when there is no log.</summary>
    public static IReadOnlyList<DeferLogEntry> Read(QueueDirectory queue, string logQueue, string queueId)
    {
        ArgumentNullException.ThrowIfNull(queue);
        string text;
        try
        {
            text = File.ReadAllText(PathOf(queue, logQueue, queueId));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return Parse(text);
    }

    /// <summary>Removes a message's log; false when there was none.</summary>
    public static bool Remove(QueueDirectory queue, string logQueue, string queueId)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return queue.Remove(logQueue, queueId);
    }

    /// <summary>Parses log text; blocks without a recipient are skipped.</summary>
    public static IReadOnlyList<DeferLogEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<DeferLogEntry>();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                Flush();
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                fields[line[..eq]] = line[(eq + 1)..];
        }
        Flush();
        return result;

        void Flush()
        {
            if (fields.TryGetValue("recipient", out var rcpt))
            {
                long.TryParse(fields.GetValueOrDefault("offset", "0"), NumberStyles.None, CultureInfo.InvariantCulture, out long offset);
                result.Add(new DeferLogEntry(rcpt,
                    fields.GetValueOrDefault("status", ""),
                    fields.GetValueOrDefault("action", ""),
                    fields.GetValueOrDefault("reason", ""),
                    fields.GetValueOrDefault("orig_rcpt"),
                    offset,
                    fields.GetValueOrDefault("dsn_orig_rcpt"),
                    fields.GetValueOrDefault("notify_flags")));
            }
            fields.Clear();
        }
    }

    /// <summary>One entry as a block of lines.</summary>
    public static void Format(StringBuilder output, DeferLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(entry);
        void Line(string name, string? value)
        {
            if (value is not null)
                output.Append(name).Append('=').Append(Printable(value)).Append('\n');
        }
        Line("recipient", entry.Recipient);
        Line("orig_rcpt", entry.OriginalRecipient);
        Line("offset", entry.Offset.ToString(CultureInfo.InvariantCulture));
        Line("dsn_orig_rcpt", entry.DsnOrcpt);
        Line("notify_flags", entry.DsnNotify);
        Line("status", entry.Status);
        Line("action", entry.Action);
        Line("reason", entry.Reason);
        output.Append('\n');
    }

    private static string Printable(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
            sb.Append(char.IsControl(c) ? '?' : c);
        return sb.ToString();
    }
}
