using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Writes the ENVELOPE structure (RFC 3501 section 7.4.2): date, subject, from, sender,
/// reply-to, to, cc, bcc, in-reply-to, message-id. Strings are the header values as sent
/// (unfolded, encoded-words left for the client to decode); sender and reply-to default to from;
/// addresses are (name adl mailbox host), groups are bracketed by (NIL NIL "group" NIL) and
/// (NIL NIL NIL NIL). A mailbox without a domain gets Dovecot's "MISSING_DOMAIN".
/// </summary>
public static class ImapEnvelopeWriter
{
    /// <summary>Writes the envelope of <paramref name="message"/>.</summary>
    public static void Write(ImapResponseWriter w, MimeMessage message)
    {
        w.OpenList();
        w.NString(RawHeader(message.Headers, HeaderId.Date));
        w.NString(RawHeader(message.Headers, HeaderId.Subject));
        var from = message.From;
        Addresses(w, from);
        Addresses(w, message.Headers.Contains(HeaderId.Sender) && message.Sender is not null ? [message.Sender] : from);
        Addresses(w, message.ReplyTo.Count > 0 ? message.ReplyTo : from);
        Addresses(w, message.To);
        Addresses(w, message.Cc);
        Addresses(w, message.Bcc);
        w.NString(RawHeader(message.Headers, HeaderId.InReplyTo));
        w.NString(RawHeader(message.Headers, HeaderId.MessageId));
        w.CloseList();
    }

    /// <summary>A header's raw value, unfolded and trimmed; null when absent.</summary>
    internal static string? RawHeader(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
        {
            return null;
        }

        var raw = Encoding.UTF8.GetString(headers[index].RawValue);
        return raw.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim(' ', '\t');
    }

    private static void Addresses(ImapResponseWriter w, IEnumerable<InternetAddress> list)
    {
        var any = false;
        foreach (var address in list)
        {
            if (!any)
            {
                w.OpenList();
                any = true;
            }

            w.NoSpace();
            Address(w, address);
        }

        if (any)
        {
            w.CloseList();
        }
        else
        {
            w.Nil();
        }
    }

    private static void Address(ImapResponseWriter w, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                w.OpenList();
                w.NString(Phrase(w, mailbox.Name));
                w.NString(mailbox.Route.Count > 0 ? mailbox.Route.ToString() : null);
                var at = mailbox.Address.LastIndexOf('@');
                w.String(at < 0 ? mailbox.Address : mailbox.LocalPart);
                w.String(at < 0 ? "MISSING_DOMAIN" : mailbox.Domain);
                w.CloseList();
                break;
            case GroupAddress group:
                w.OpenList().Nil().Nil().String(Phrase(w, group.Name) ?? "").Nil().CloseList();
                foreach (var member in group.Members)
                {
                    w.NoSpace();
                    Address(w, member);
                }

                w.NoSpace();
                w.OpenList().Nil().Nil().Nil().Nil().CloseList();
                break;
        }
    }

    /// <summary>A display name: as is when ASCII (or UTF8=ACCEPT), else RFC 2047-encoded again.</summary>
    private static string? Phrase(ImapResponseWriter w, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        return w.Utf8Accept || name.All(char.IsAscii) ? name : Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
    }
}
