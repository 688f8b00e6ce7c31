using System.Globalization;
using System.Text;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// The client side (smtp and lmtp delivery agents): formats MAIL FROM and RCPT TO with their
/// ESMTP parameters as the server's <see cref="SmtpCommandParser"/> reads them, xtext-encoding
/// ENVID= and ORCPT= (RFC 3461), and offering only what the server announced in its EHLO reply.
/// Each command is returned with its CR LF.
/// </summary>
public static class SmtpClientCommands
{
    /// <summary>"MAIL FROM:&lt;sender&gt;" plus the parameters the server supports; the sender in
    /// external (quoted) form, as MailAddress.Quoted gives it, "" for the null sender.</summary>
    public static string Mail(string sender, MailParameters parameters, ISet<string> serverKeywords)
    {
        var sb = new StringBuilder("MAIL FROM:<").Append(sender).Append('>');
        if (parameters.Size is long size && serverKeywords.Contains("SIZE"))
            sb.Append(" SIZE=").Append(size.ToString(CultureInfo.InvariantCulture));
        if (parameters.Body != BodyType.None && serverKeywords.Contains(parameters.Body == BodyType.BinaryMime ? "BINARYMIME" : "8BITMIME"))
            sb.Append(" BODY=").Append(parameters.Body switch
            {
                BodyType.SevenBit => "7BIT",
                BodyType.EightBitMime => "8BITMIME",
                _ => "BINARYMIME",
            });
        if (serverKeywords.Contains("DSN"))
        {
            if (parameters.Ret != DsnRet.None)
                sb.Append(" RET=").Append(parameters.Ret == DsnRet.Full ? "FULL" : "HDRS");
            if (parameters.Envid is not null)
                sb.Append(" ENVID=").Append(XText.Encode(parameters.Envid));
        }
        if (parameters.SmtpUtf8 && serverKeywords.Contains("SMTPUTF8"))
            sb.Append(" SMTPUTF8");
        if (parameters.Auth is not null && serverKeywords.Contains("AUTH"))
            sb.Append(" AUTH=").Append(parameters.Auth == "<>" ? "<>" : XText.Encode(parameters.Auth));
        return sb.Append("\r\n").ToString();
    }

    /// <summary>"RCPT TO:&lt;recipient&gt;" plus NOTIFY= and ORCPT= when the server supports DSN.</summary>
    public static string Rcpt(string recipient, RcptParameters parameters, ISet<string> serverKeywords)
    {
        var sb = new StringBuilder("RCPT TO:<").Append(recipient).Append('>');
        if (serverKeywords.Contains("DSN"))
        {
            if (parameters.Notify != DsnNotify.None)
                sb.Append(" NOTIFY=").Append(NotifyText(parameters.Notify));
            if (parameters.OrcptAddress is not null)
                sb.Append(" ORCPT=").Append(parameters.OrcptType ?? "rfc822").Append(';').Append(XText.Encode(parameters.OrcptAddress));
        }
        return sb.Append("\r\n").ToString();
    }

    /// <summary>NOTIFY= text: NEVER, or the comma list in RFC 3461's order.</summary>
    public static string NotifyText(DsnNotify notify)
    {
        if ((notify & DsnNotify.Never) != 0)
            return "NEVER";
        var parts = new List<string>(3);
        if ((notify & DsnNotify.Success) != 0)
            parts.Add("SUCCESS");
        if ((notify & DsnNotify.Failure) != 0)
            parts.Add("FAILURE");
        if ((notify & DsnNotify.Delay) != 0)
            parts.Add("DELAY");
        return string.Join(',', parts);
    }

    /// <summary>The keywords of an EHLO reply (first word of each line after the greeting), upper case.</summary>
    public static HashSet<string> Keywords(SmtpReply ehloReply)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < ehloReply.Lines.Count; i++)
        {
            var line = ehloReply.Lines[i];
            int sp = line.IndexOfAny([' ', '=']);
            set.Add((sp < 0 ? line : line[..sp]).ToUpperInvariant());
        }
        return set;
    }
}
