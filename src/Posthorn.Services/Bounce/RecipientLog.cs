using System.Globalization;
using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Services.Bounce;

/// <summary>One record of a per-message delivery log: the recipient's status and the offset of its queue file record.</summary>
public sealed record RecipientLogEntry(RecipientStatus Status, long Offset);

/// <summary>
/// The per-message bounce and defer logs of bounce(8): one file per queue id under the
/// <c>bounce</c> or <c>defer</c> queue (hashed as hash_queue_names says), holding one record per
/// recipient as Postfix writes them — <c>name=value</c> lines (recipient, orig_rcpt,
/// dsn_orig_rcpt, notify_flags, offset, status, action, reason, diag_type, diag_text,
/// mta_type, mta_name) ending with an empty line — the layout of Core/Queue's DeferLog on the
/// queue-commands branch, plus the remote MTA and diagnostic a bounce notice shows. Records are appended and fsynced; the
/// queue manager reads them back to write a non-delivery or delay notice. Values never hold
/// a newline (they are replaced by spaces).
/// </summary>
public sealed class RecipientLog
{
    private readonly QueueDirectory _queue;

    public RecipientLog(QueueDirectory queue) => _queue = queue;

    /// <summary>Appends one recipient's record to the log of <paramref name="logQueue"/> ("bounce" or "defer").</summary>
    public void Append(string logQueue, string queueId, RecipientStatus s, long offset)
    {
        var path = _queue.PathOf(logQueue, queueId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var b = new StringBuilder();
        void Attr(string name, string? value)
        {
            if (value is not null)
                b.Append(name).Append('=').Append(value.Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
        }
        Attr("recipient", s.Address);
        Attr("orig_rcpt", s.OriginalAddress);
        Attr("dsn_orig_rcpt", s.DsnOriginalRecipient);
        Attr("notify_flags", ((int)s.Notify).ToString(CultureInfo.InvariantCulture));
        Attr("offset", offset.ToString(CultureInfo.InvariantCulture));
        Attr("status", s.Status);
        Attr("action", s.Action);
        Attr("reason", s.Reason);
        Attr("diag_type", s.DiagnosticType);
        Attr("diag_text", s.DiagnosticText);
        Attr("mta_type", s.RemoteMtaType);
        Attr("mta_name", s.RemoteMta);
        b.Append('\n');
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        f.Write(Encoding.UTF8.GetBytes(b.ToString()));
        f.Flush(flushToDisk: true);
    }

    /// <summary>Appends a block that holds no recipient (readers skip it), such as a flag the queue manager keeps.</summary>
    public void AppendFlag(string logQueue, string queueId, string name)
    {
        var path = _queue.PathOf(logQueue, queueId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        f.Write(Encoding.UTF8.GetBytes(name + "=1\n\n"));
        f.Flush(flushToDisk: true);
    }

    /// <summary>True when the log holds the flag block.</summary>
    public bool HasFlag(string logQueue, string queueId, string name)
    {
        var path = _queue.PathOf(logQueue, queueId);
        return File.Exists(path) && File.ReadLines(path).Any(l => l == name + "=1");
    }

    /// <summary>The records of a log, oldest first; empty when there is no log.</summary>
    public IReadOnlyList<RecipientLogEntry> Read(string logQueue, string queueId)
    {
        var path = _queue.PathOf(logQueue, queueId);
        var result = new List<RecipientLogEntry>();
        if (!File.Exists(path))
            return result;
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path, Encoding.UTF8).Append(""))
        {
            if (line.Length == 0)
            {
                if (attrs.TryGetValue("recipient", out var rcpt))
                    result.Add(ToEntry(rcpt, attrs));
                attrs.Clear();
                continue;
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                attrs[line[..eq]] = line[(eq + 1)..];
        }
        return result;
    }

    /// <summary>True when the message has a log in that queue.</summary>
    public bool Exists(string logQueue, string queueId) => File.Exists(_queue.PathOf(logQueue, queueId));

    /// <summary>Removes a log (after its notice was sent, or when the message is gone).</summary>
    public void Delete(string logQueue, string queueId)
    {
        var path = _queue.PathOf(logQueue, queueId);
        if (File.Exists(path))
            File.Delete(path);
    }

    private static RecipientLogEntry ToEntry(string recipient, Dictionary<string, string> a)
    {
        string? Get(string n) => a.TryGetValue(n, out var v) ? v : null;
        // Postfix writes the NOTIFY bit mask; a text list ("SUCCESS,FAILURE") is read as well.
        int notify = int.TryParse(Get("notify_flags"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : (int)Delivery.DsnNotifyText.Parse(Get("notify_flags"));
        long offset = long.TryParse(Get("offset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : -1;
        var status = new RecipientStatus(recipient, Get("status") ?? "5.0.0", Get("action") ?? "failed", Get("reason") ?? "",
            Get("orig_rcpt"), Get("dsn_orig_rcpt"), (DsnNotify)notify, Get("mta_type"), Get("mta_name"), Get("diag_type"), Get("diag_text"));
        return new RecipientLogEntry(status, offset);
    }
}
