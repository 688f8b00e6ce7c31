using System.Buffers;
using System.Text;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// Postmaster notices with the session transcript (notify_classes, smtpd_chat_notify in
/// Postfix): see <see cref="SmtpdTranscript"/>.
/// </summary>
public sealed partial class SmtpdSession
{
    private readonly SmtpdTranscript _transcript = new();

    /// <summary>A command line for the history; an AUTH initial response is left out (it carries credentials).</summary>
    private static string HistoryText(SmtpLine line)
    {
        var text = Encoding.Latin1.GetString(line.Text.ToArray());
        if (text.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase))
        {
            var words = text.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            return words.Length > 2 ? $"{words[0]} {words[1]} ****" : text;
        }
        return text;
    }

    /// <summary>Records an error class of this session (Postfix's state->error_mask).</summary>
    private void NoteError(ErrorClass cls) => _transcript.Errors.Add(cls);

    /// <summary>At EHLO, RSET and end of DATA: a history longer than smtpd_history_flush_threshold is sent (when it has errors to report) and forgotten.</summary>
    private void FlushHistoryIfLong()
    {
        if (_transcript.Count > _server.Config.GetInt("smtpd_history_flush_threshold"))
        {
            NotifyPostmaster();
            _transcript.Reset();
        }
    }

    /// <summary>Mails the transcript to postmaster when the session's errors include a class in notify_classes.</summary>
    private void NotifyPostmaster()
    {
        foreach (var cls in _check.Errors)
            _transcript.Errors.Add(cls);
        if (!_transcript.ErrorNames.Any(_server.NotifyClasses.Contains))
            return;
        var config = _server.Config;
        bool bounce = _transcript.Errors.Contains(ErrorClass.Bounce) && _server.NotifyClasses.Contains("bounce");
        var recipient = config.Get(bounce ? "bounce_notice_recipient" : "error_notice_recipient");
        var text = _transcript.Notice(config.Get("mail_name"), config.Get("myhostname"), recipient, _check.NameAddress, _reason);
        _server.SubmitNotice(recipient, Encoding.UTF8.GetBytes(text));
        _transcript.Errors.Clear();
        _check.Errors.Clear();
    }
}
