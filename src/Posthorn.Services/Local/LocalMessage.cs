using System.Text;
using Posthorn.Services.Delivery;

namespace Posthorn.Services.Local;

/// <summary>
/// One queued message as local(8) and virtual(8) copy it: the content read once from the
/// queue file with LF line ends (what mailboxes and commands get), the <c>Delivered-To:</c>
/// addresses it already carries (delivered_hdr: forwarding loop detection), and the headers
/// Postfix's mail_copy() prepends: <c>Return-Path: &lt;sender&gt;</c>, <c>X-Original-To:</c>
/// (enable_original_recipient) and <c>Delivered-To:</c>, in that order.
/// </summary>
public sealed class LocalMessage
{
    private readonly HashSet<string> _delivered;

    private LocalMessage(byte[] content, byte[] crlfContent, HashSet<string> delivered)
    {
        Content = content;
        CrlfContent = crlfContent;
        _delivered = delivered;
    }

    /// <summary>Header and body with LF line ends.</summary>
    public byte[] Content { get; }

    /// <summary>Header and body as queued (CRLF), for resubmission.</summary>
    public byte[] CrlfContent { get; }

    public static LocalMessage Read(DeliveryRequest request)
    {
        byte[] raw;
        using (var s = request.OpenContent())
        using (var ms = new MemoryStream())
        {
            s.CopyTo(ms);
            raw = ms.ToArray();
        }
        var lf = ToLf(raw);
        return new LocalMessage(lf, raw, DeliveredAddresses(lf));
    }

    /// <summary>True when the message already has <c>Delivered-To: address</c> (case-insensitive): a forwarding loop.</summary>
    public bool HasDeliveredTo(string address) => _delivered.Contains(address.ToLowerInvariant());

    /// <summary>The prepended header block (LF line ends) for a copy.</summary>
    public static string Prepend(string sender, string? originalRecipient, string? delivered, bool returnPath)
    {
        var sb = new StringBuilder();
        if (returnPath)
            sb.Append("Return-Path: <").Append(sender).Append(">\n");
        if (!string.IsNullOrEmpty(originalRecipient))
            sb.Append("X-Original-To: ").Append(originalRecipient).Append('\n');
        if (!string.IsNullOrEmpty(delivered))
            sb.Append("Delivered-To: ").Append(delivered).Append('\n');
        return sb.ToString();
    }

    /// <summary>A stream of <paramref name="prefix"/> followed by the LF content.</summary>
    public Stream WithPrefix(string prefix)
    {
        var head = Encoding.UTF8.GetBytes(prefix);
        var all = new byte[head.Length + Content.Length];
        head.CopyTo(all, 0);
        Content.CopyTo(all, head.Length);
        return new MemoryStream(all, writable: false);
    }

    private static byte[] ToLf(byte[] raw)
    {
        var o = new byte[raw.Length];
        int n = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\r' && i + 1 < raw.Length && raw[i + 1] == '\n')
                continue;
            o[n++] = raw[i];
        }
        Array.Resize(ref o, n);
        return o;
    }

    /// <summary>The Delivered-To: values of the header section, lower-cased (unfolded, trimmed).</summary>
    private static HashSet<string> DeliveredAddresses(byte[] lf)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var text = Encoding.UTF8.GetString(lf);
        int end = text.IndexOf("\n\n", StringComparison.Ordinal);
        var header = end < 0 ? text : text[..(end + 1)];
        if (text.StartsWith('\n'))
            return set;
        string? current = null;
        foreach (var line in header.Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && current is not null)
            {
                current += line;
                continue;
            }
            Add(current);
            current = line;
        }
        Add(current);
        return set;

        void Add(string? h)
        {
            const string Name = "delivered-to:";
            if (h is not null && h.StartsWith(Name, StringComparison.OrdinalIgnoreCase))
                set.Add(h[Name.Length..].Trim().ToLowerInvariant());
        }
    }
}
