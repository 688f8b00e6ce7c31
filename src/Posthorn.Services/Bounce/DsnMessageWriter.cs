using System.Globalization;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Text;

namespace Posthorn.Services.Bounce;

/// <summary>What the original message's sender asked to get back: RET=FULL or RET=HDRS (RFC 3461).</summary>
public enum DsnReturn
{
    Full,
    Headers,
}

/// <summary>Everything a delivery status notification is about.</summary>
public sealed record BounceRequest(
    string QueueId,
    string Sender,
    DateTimeOffset ArrivalTime,
    IReadOnlyList<RecipientStatus> Recipients,
    BounceTemplateKind Kind = BounceTemplateKind.Failure,
    DsnReturn Return = DsnReturn.Full,
    string? EnvelopeId = null,
    string? OriginalMessageId = null,
    long MessageSize = 0,
    Func<Stream>? OpenOriginal = null,
    bool PostmasterCopy = false,
    string? NotifyRecipient = null);

/// <summary>
/// Writes a delivery status notification as bounce(8) does: a multipart/report
/// (report-type=delivery-status, RFC 3464) with a human-readable part from the template and one
/// line per recipient, a message/delivery-status part (Reporting-MTA, Original-Envelope-Id,
/// X-$mail_name-Queue-ID, Arrival-Date, and per recipient Final-Recipient, Original-Recipient,
/// Action, Status, Remote-MTA, Diagnostic-Code, Will-Retry-Until for delay notices), and the
/// original message (message/rfc822) or its headers (text/rfc822-headers) when RET=HDRS or
/// the message exceeds bounce_size_limit. Delay notices and postmaster copies carry only the
/// headers; a double bounce (the failed notice, sent to 2bounce_notice_recipient) is whole.
/// The result is the message text that cleanup queues from the null sender.
/// </summary>
public sealed class DsnMessageWriter
{
    private const int WrapLength = 79;
    private const int WrapIndent = 4;

    private readonly MainConfig _config;
    private readonly IReadOnlyDictionary<BounceTemplateKind, BounceTemplate> _templates;

    public DsnMessageWriter(MainConfig config, IReadOnlyDictionary<BounceTemplateKind, BounceTemplate>? templates = null)
    {
        _config = config;
        _templates = templates ?? BounceTemplates.Load(config);
    }

    /// <summary>Writes the notification with CRLF line ends.</summary>
    public void Write(BounceRequest request, Stream output)
    {
        var template = _templates[request.Kind];
        var host = _config.Get("myhostname");
        var mailName = _config.Get("mail_name");
        var boundary = $"{request.QueueId}.{request.ArrivalTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}/{host}";
        var w = new LineWriter(output);

        // A template that sets From: gives one form; the built-in one follows header_from_format.
        var from = template.From == BounceTemplates.DefaultFrom
            && !_config.Get("header_from_format").Trim().Equals("obsolete", StringComparison.OrdinalIgnoreCase)
            ? BounceTemplates.DefaultStandardFrom : template.From;
        from = QualifyFrom(from, _config.Get("myorigin"));
        // As Postfix's post_mail(): Date: comes first, before the template headers.
        w.Line("Date: " + MailDate.Format(DateTimeOffset.Now));
        w.Line("From: " + from);
        w.Line("Subject: " + (request.PostmasterCopy && template.PostmasterSubject.Length > 0 ? template.PostmasterSubject : template.Subject));
        w.Line("To: " + (request.NotifyRecipient ?? request.Sender));
        if (!string.IsNullOrEmpty(request.OriginalMessageId))
        {
            w.Line("References: " + request.OriginalMessageId);
            w.Line("In-Reply-To: " + request.OriginalMessageId);
        }
        w.Line("Auto-Submitted: " + (request.PostmasterCopy ? "auto-generated" : "auto-replied"));
        w.Line("MIME-Version: 1.0");
        w.Line("Content-Type: multipart/report; report-type=delivery-status;");
        w.Line($"\tboundary=\"{boundary}\"");
        // Postfix: with smtputf8_enable the notice is 8bit (addresses and $myhostname may be UTF-8).
        bool eightBit = _config.GetBool("smtputf8_enable") || !template.IsAscii;
        if (eightBit)
            w.Line("Content-Transfer-Encoding: 8bit");
        w.Line("");
        w.Line("This is a MIME-encapsulated message.");
        w.Line("");

        // Part 1: the human-readable notification.
        w.Line("--" + boundary);
        w.Line("Content-Description: Notification");
        w.Line("Content-Type: text/plain; charset=" + (!template.IsAscii ? template.Charset : eightBit ? "utf-8" : "us-ascii"));
        if (eightBit)
            w.Line("Content-Transfer-Encoding: 8bit");
        w.Line("");
        foreach (var line in BounceTemplates.Expand(template, _config))
            w.Line(line);
        foreach (var r in request.Recipients)
        {
            w.Line("");
            var text = string.IsNullOrEmpty(r.OriginalAddress) || r.OriginalAddress == r.Address
                ? $"<{r.Address}>: {r.Reason}"
                : $"<{r.Address}> (expanded from <{r.OriginalAddress}>): {r.Reason}";
            Wrap(w, text);
        }

        // Part 2: the machine-readable report.
        w.Line("");
        w.Line("--" + boundary);
        w.Line("Content-Description: Delivery report");
        w.Line("Content-Type: message/delivery-status");
        w.Line("");
        w.Line("Reporting-MTA: dns; " + host);
        if (!string.IsNullOrEmpty(request.EnvelopeId))
            w.Line("Original-Envelope-Id: " + request.EnvelopeId);
        w.Line($"X-{mailName}-Queue-ID: {request.QueueId}");
        if (request.Sender.Length > 0)
            w.Line($"X-{mailName}-Sender: rfc822; {request.Sender}");
        w.Line("Arrival-Date: " + MailDate.Format(request.ArrivalTime));
        foreach (var r in request.Recipients)
        {
            w.Line("");
            w.Line("Final-Recipient: rfc822; " + r.Address);
            if (!string.IsNullOrEmpty(r.DsnOriginalRecipient))
                w.Line("Original-Recipient: " + r.DsnOriginalRecipient);
            else if (!string.IsNullOrEmpty(r.OriginalAddress))
                w.Line("Original-Recipient: rfc822; " + r.OriginalAddress);
            w.Line("Action: " + (request.Kind == BounceTemplateKind.Failure ? "failed" : r.Action));
            w.Line("Status: " + r.Status);
            if (!string.IsNullOrEmpty(r.RemoteMtaType) && !string.IsNullOrEmpty(r.RemoteMta))
                Wrap(w, $"Remote-MTA: {r.RemoteMtaType}; {r.RemoteMta}");
            if (!string.IsNullOrEmpty(r.DiagnosticType) && !string.IsNullOrEmpty(r.DiagnosticText))
                Wrap(w, $"Diagnostic-Code: {r.DiagnosticType}; {r.DiagnosticText}");
            else
                Wrap(w, $"Diagnostic-Code: X-{mailName}; {r.Reason}");
            if (request.Kind == BounceTemplateKind.Delay)
                w.Line("Will-Retry-Until: " + MailDate.Format(request.ArrivalTime + _config.GetTime("maximal_queue_lifetime")));
        }

        // Part 3: the original message, or its headers.
        // bounce(8): the sender's non-delivery notice returns what RET asked for; delay notices and
        // postmaster copies only the headers; a double bounce to postmaster the whole failed notice.
        bool doubleBounce = request.PostmasterCopy && request.Sender.Length == 0 && request.Kind == BounceTemplateKind.Failure;
        bool headersOnly = !doubleBounce
            && (request.Return == DsnReturn.Headers || request.PostmasterCopy || request.Kind == BounceTemplateKind.Delay);
        long limit = _config.GetLong("bounce_size_limit");
        if (limit > 0 && request.OpenOriginal is not null && (request.MessageSize <= 0 || request.MessageSize > limit))
            headersOnly = true;
        bool undelivered = request.Kind is BounceTemplateKind.Failure or BounceTemplateKind.Delay;
        w.Line("");
        w.Line("--" + boundary);
        w.Line("Content-Description: " + (undelivered ? "Undelivered " : "") + (headersOnly ? "Message Headers" : "Message"));
        w.Line("Content-Type: " + (headersOnly ? "text/rfc822-headers" : "message/rfc822"));
        if (eightBit)
            w.Line("Content-Transfer-Encoding: 8bit");
        w.Line("");
        if (request.OpenOriginal is null)
        {
            w.Line("\t--- Undelivered message unavailable ---");
        }
        else
        {
            w.Line($"Return-Path: <{request.Sender}>");
            using var original = request.OpenOriginal();
            CopyOriginal(original, w, headersOnly);
        }
        w.Line("");
        w.Line("--" + boundary + "--");
        w.Flush();
    }

    /// <summary>Appends @<paramref name="origin"/> to an unqualified From: ("MAILER-DAEMON (...)", "Name &lt;MAILER-DAEMON&gt;"), as cleanup's append_at_myorigin.</summary>
    internal static string QualifyFrom(string from, string origin)
    {
        if (from.Contains('@', StringComparison.Ordinal))
            return from;
        int lt = from.IndexOf('<', StringComparison.Ordinal);
        int gt = lt < 0 ? -1 : from.IndexOf('>', lt);
        if (gt > lt + 1)
            return from[..gt] + "@" + origin + from[gt..];
        int sp = from.IndexOf(' ', StringComparison.Ordinal);
        return sp < 0 ? from + "@" + origin : from[..sp] + "@" + origin + from[sp..];
    }

    /// <summary>Copies the original line by line (CRLF); with headers only, stops at the first line that is not a header.</summary>
    private static void CopyOriginal(Stream original, LineWriter w, bool headersOnly)
    {
        using var reader = new StreamReader(original, Encoding.Latin1, false, 65536, leaveOpen: true);
        bool inHeaders = true;
        while (reader.ReadLine() is { } line)
        {
            if (inHeaders && (line.Length == 0 || !IsHeaderLine(line)))
            {
                inHeaders = false;
                if (headersOnly)
                    break;
            }
            w.Latin1Line(line);
        }
    }

    private static bool IsHeaderLine(string line)
    {
        if (line[0] == ' ' || line[0] == '\t')
            return true;
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            return false;
        for (int i = 0; i < colon; i++)
            if (line[i] <= ' ' || line[i] > '~')
                return false;
        return true;
    }

    /// <summary>Postfix's line_wrap(): lines of at most 79 columns, continuation lines indented by 4.</summary>
    private static void Wrap(LineWriter w, string text)
    {
        string indent = "";
        var rest = text;
        while (indent.Length + rest.Length > WrapLength)
        {
            int room = WrapLength - indent.Length;
            int cut = rest.LastIndexOf(' ', Math.Min(room, rest.Length - 1));
            if (cut <= 0)
            {
                cut = rest.IndexOf(' ', StringComparison.Ordinal);
                if (cut <= 0)
                    break;
            }
            w.Line(indent + rest[..cut]);
            rest = rest[(cut + 1)..].TrimStart();
            indent = new string(' ', WrapIndent);
        }
        w.Line(indent + rest);
    }

    /// <summary>Writes CRLF-terminated lines: UTF-8 for our own text, Latin-1 (byte for byte) for copied mail.</summary>
    private sealed class LineWriter
    {
        private static readonly byte[] Crlf = "\r\n"u8.ToArray();
        private readonly Stream _out;

        public LineWriter(Stream output) => _out = output;

        public void Line(string text)
        {
            _out.Write(Encoding.UTF8.GetBytes(text));
            _out.Write(Crlf);
        }

        public void Latin1Line(string text)
        {
            _out.Write(Encoding.Latin1.GetBytes(text));
            _out.Write(Crlf);
        }

        public void Flush() => _out.Flush();
    }
}
