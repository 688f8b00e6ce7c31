using System.Globalization;
using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// The headers cleanup(8) adds when they are missing (Postfix's
/// cleanup_header_done_callback), for mail in a header rewriting context or with
/// always_add_missing_headers: (Resent-)Message-Id: &lt;YYYYMMDDhhmmss.QUEUEID@$myhostname&gt;
/// (&lt;QUEUEID@$myhostname&gt; with enable_long_queue_ids), (Resent-)Date: in mail_date() form,
/// (Resent-)From: the envelope sender with the full name (header_from_format), and the
/// undisclosed_recipients_header when there is no To:/Cc:/Resent-To:/Resent-Cc:. Logs
/// "message-id=&lt;...&gt;" (or "message-id=&lt;&gt;" when the message has none).
/// </summary>
internal static class MissingHeaders
{
    /// <summary>Adds what is missing; returns the message id (the one seen, or the one added).</summary>
    public static string? Add(CleanupSettings settings, CleanupState state, TimeZoneInfo zone, HashSet<string> seen, bool isResent, bool add,
        string? messageId, Action<string> outHeader)
    {
        var resent = isResent ? "Resent-" : "";
        if (add && !seen.Contains(resent + "Message-Id"))
        {
            var id = settings.LongQueueIds
                ? $"{state.QueueId}@{settings.MyHostname}"
                : $"{state.Envelope.ArrivalTime.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}.{state.QueueId}@{settings.MyHostname}";
            outHeader($"{resent}Message-Id: <{id}>");
            state.Info($"{(isResent ? "resent-" : "")}message-id=<{id}>");
            seen.Add(resent + "Message-Id");
            if (!isResent)
                messageId ??= $"<{id}>";
        }
        if (!seen.Contains("Message-Id"))
            state.Info("message-id=<>");
        if (add && !seen.Contains(resent + "Date"))
            outHeader($"{resent}Date: {MailDate.Format(state.Envelope.ArrivalTime, zone)}");
        if (add && !seen.Contains(resent + "From"))
            outHeader(Fold(FromHeader(settings, state, resent)));
        bool visible = seen.Contains("To") || seen.Contains("Resent-To") || seen.Contains("Cc") || seen.Contains("Resent-Cc");
        if (add && !visible && settings.UndisclosedRecipientsHeader.Length > 0)
        {
            if (HeaderOptions.IsHeader(settings.UndisclosedRecipientsHeader))
                outHeader(settings.UndisclosedRecipientsHeader);
            else
                state.Warn($"bad undisclosed_recipients_header header text \"{settings.UndisclosedRecipientsHeader}\" -- need \"headername: headervalue\"");
        }
        return messageId;
    }

    private static string FromHeader(CleanupSettings settings, CleanupState state, string resent)
    {
        var sender = state.Sender;
        var address = Rfc822Tokens.Quote(sender.Length > 0 ? sender : "MAILER-DAEMON");
        var name = sender.Length > 0 ? FullName.HeaderText(state.Envelope.FullName, settings.HeaderFromObsolete) : null;
        if (string.IsNullOrEmpty(name))
            return $"{resent}From: {address}";
        return settings.HeaderFromObsolete ? $"{resent}From: {address}\n({name})" : $"{resent}From: {name}\n<{address}>";
    }

    /// <summary>cleanup_fold_header(): joins the lines of a generated header while they fit in 70 columns.</summary>
    private static string Fold(string header)
    {
        var lines = header.Split('\n');
        var sb = new StringBuilder(lines[0]);
        int lineStart = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            if (sb.Length - lineStart + 1 + lines[i].Length < 70)
            {
                sb.Append(' ').Append(lines[i]);
            }
            else
            {
                sb.Append('\n');
                lineStart = sb.Length;
                sb.Append(lines[i]);
            }
        }
        return sb.ToString();
    }

}
