using System.Text;

namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>smtpd_check_reject(), defer_if() and the lookup-failure replies.</summary>
public sealed partial class SmtpdRestrictions
{
    /// <summary>
    /// Formats and logs a rejection. Under warn_if_reject a policy rejection is only logged
    /// ("reject_warning") and the evaluation goes on; a pending defer_if_reject turns a 5xx into
    /// that deferral; soft_bounce turns 5xx into 4xx; the DSN class follows the reply code.
    /// </summary>
    internal int RejectWith(SmtpdCheckState s, ErrorClass cls, int code, string dsn, string text)
    {
        bool warn = s.WarnIfReject != 0 && cls is not (ErrorClass.Software or ErrorClass.Resource or ErrorClass.Data);
        var reply = $"{code} {dsn} {text}";
        if (code is < 400 or > 599)
        {
            _log.Warning(_service, $"SMTP reply code configuration error: {reply}");
            reply = "450 4.7.1 Service unavailable";
        }
        else if (!SmtpdDsn.IsValid(dsn))
        {
            _log.Warning(_service, $"DSN detail code configuration error: {reply}");
            reply = "450 4.7.1 Service unavailable";
        }
        if (reply.Length > 510)
            reply = reply[..510];
        reply = Printable(reply);
        if (!warn && s.DeferIfReject.Active && reply[0] == '5')
        {
            s.WarnIfReject = 0;
            s.DeferIfReject.Active = false;
            return RejectWith(s, s.DeferIfReject.Class, s.DeferIfReject.Code, s.DeferIfReject.Dsn, s.DeferIfReject.Reason);
        }
        var chars = reply.ToCharArray();
        if (_config.GetBool("soft_bounce") && chars[0] == '5')
            chars[0] = '4';
        chars[4] = chars[0];
        reply = new string(chars);
        if (!warn)
            s.Errors.Add(cls);
        LogWhatsup(s, warn ? "reject_warning" : "reject", reply);
        s.ErrorText = reply;
        return warn ? Dunno : Reject;
    }

    /// <summary>A temporary failure that becomes a deferral only if the request would otherwise be permitted.</summary>
    private int DeferIfPermit(SmtpdCheckState s, ErrorClass cls, int code, string dsn, string text, bool always)
    {
        if (s.WarnIfReject == 0 && always)
        {
            s.DeferIfPermit.Set(cls, code, dsn, text);
            return Dunno;
        }
        return RejectWith(s, cls, code, dsn, text);
    }

    /// <summary>The tempfail action of a parameter such as unknown_address_tempfail_action: defer or defer_if_permit.</summary>
    private int TempFail(SmtpdCheckState s, string actionParameter, int code, string dsn, string text) =>
        DeferIfPermit(s, ErrorClass.Policy, code, dsn, text,
            always: !_config.Get(actionParameter).Trim().Equals("defer", StringComparison.OrdinalIgnoreCase));

    /// <summary>"451 4.3.5 Server configuration error", ending the evaluation.</summary>
    private CheckAbortException ServerError(SmtpdCheckState s) =>
        new(RejectWith(s, ErrorClass.Software, 451, "4.3.5", "Server configuration error"));

    /// <summary>"451 4.3.0 &lt;name&gt;: Temporary lookup failure", ending the evaluation.</summary>
    private CheckAbortException DictRetry(SmtpdCheckState s, string replyName) =>
        new(RejectWith(s, ErrorClass.Data, 451, "4.3.0", $"<{replyName}>: Temporary lookup failure"));

    /// <summary>"QUEUEID: reject: RCPT from name[addr]: text; from=&lt;s&gt; to=&lt;r&gt; proto=ESMTP helo=&lt;h&gt;".</summary>
    internal void LogWhatsup(SmtpdCheckState s, string whatsup, string text)
    {
        var sb = new StringBuilder(200);
        sb.Append(s.QueueId ?? "NOQUEUE").Append(": ").Append(whatsup).Append(": ").Append(s.Where)
          .Append(" from ").Append(s.NameAddress).Append(": ").Append(text).Append(';');
        if (s.Sender is not null)
            sb.Append(" from=<").Append(s.Sender).Append('>');
        if (s.Recipient is not null)
            sb.Append(" to=<").Append(s.Recipient).Append('>');
        sb.Append(" proto=").Append(s.Protocol);
        if (s.HeloName is not null)
            sb.Append(" helo=<").Append(s.HeloName).Append('>');
        if (s.SaslMethod is not null)
            sb.Append(" sasl_method=").Append(s.SaslMethod);
        if (s.SaslUsername is not null)
            sb.Append(" sasl_username=").Append(s.SaslUsername);
        _log.Info(_service, sb.ToString());
    }

    private static string Printable(string text)
    {
        foreach (var c in text)
        {
            if (c < ' ' || c == 0x7f)
                return new string(text.Select(ch => ch < ' ' || ch == 0x7f ? ' ' : ch).ToArray());
        }
        return text;
    }
}
