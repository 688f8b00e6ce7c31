using System.Text;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// The SMTP session history that Postfix's smtpd keeps for postmaster notices (smtpd_chat.c):
/// every command as " In:  LINE" and every reply line as " Out: LINE", and the error classes
/// the session ran into. When the session ends (or the history passes
/// smtpd_history_flush_threshold at EHLO, RSET or end of DATA) and a class is in
/// notify_classes (postconf(5): bounce, data, policy, protocol, resource, software), the
/// transcript is mailed to error_notice_recipient (bounce_notice_recipient for the bounce class)
/// as "Subject: Postfix SMTP server: errors from CLIENT".
/// </summary>
internal sealed class SmtpdTranscript
{
    private const int WrapLength = 78;
    private readonly List<string> _history = [];

    public HashSet<ErrorClass> Errors { get; } = [];

    public int Count => _history.Count;

    public void In(string line) => _history.Add("In:  " + line);

    public void Out(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var l = line.TrimEnd('\r');
            if (l.Length > 0)
                _history.Add("Out: " + l);
        }
    }

    /// <summary>Forgets the history and the error classes (after a notice, or at a flush).</summary>
    public void Reset()
    {
        _history.Clear();
        Errors.Clear();
    }

    /// <summary>The notify_classes names of the errors seen, lower case.</summary>
    public IEnumerable<string> ErrorNames => Errors.Select(e => e.ToString().ToLowerInvariant());

    /// <summary>The notice as Postfix's smtpd_chat_notify() writes it; the caller submits it from the double-bounce sender.</summary>
    public string Notice(string mailName, string myHostname, string recipient, string client, string? abortReason)
    {
        var sb = new StringBuilder();
        sb.Append("From: MAILER-DAEMON@").Append(myHostname).Append(" (Mail Delivery System)\n");
        sb.Append("To: ").Append(recipient).Append(" (Postmaster)\n");
        sb.Append("Subject: ").Append(mailName).Append(" SMTP server: errors from ").Append(client).Append('\n');
        sb.Append('\n');
        sb.Append("Transcript of session follows.\n");
        sb.Append('\n');
        foreach (var entry in _history)
            Wrap(sb, Printable(entry));
        sb.Append('\n');
        if (abortReason is not null)
            sb.Append("Session aborted, reason: ").Append(abortReason).Append('\n');
        sb.Append('\n');
        sb.Append("For other details, see the local mail logfile\n");
        return sb.ToString();
    }

    // Postfix's line_wrap(): long entries continue on indented lines.
    private static void Wrap(StringBuilder sb, string entry)
    {
        sb.Append(' ');
        var text = entry;
        while (text.Length > WrapLength)
        {
            int cut = text.LastIndexOf(' ', WrapLength);
            if (cut <= 0)
                cut = WrapLength;
            sb.Append(text, 0, cut).Append("\n    ");
            text = text[cut..].TrimStart(' ');
        }
        sb.Append(text).Append('\n');
    }

    private static string Printable(string s)
    {
        var chars = s.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (chars[i] < ' ' || chars[i] == 127)
                chars[i] = '?';
        }
        return new string(chars);
    }
}
