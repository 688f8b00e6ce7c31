using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Parses one SMTP (RFC 5321) or LMTP (RFC 2033) command line into an <see cref="SmtpCommand"/>,
/// or into the reply Postfix's smtpd(8) gives for that syntax error. Verbs are case-insensitive;
/// MAIL FROM takes SIZE= (RFC 1870), BODY= (RFC 1652, RFC 3030), RET= and ENVID= (RFC 3461),
/// SMTPUTF8 (RFC 6531) and AUTH= (RFC 4954); RCPT TO takes NOTIFY= and ORCPT= (RFC 3461).
/// Pure: no state, no I/O, never throws on any input.
/// </summary>
public sealed class SmtpCommandParser
{
    private readonly bool _lmtp;
    private readonly bool _requireUtf8;
    private readonly string _myHostname;

    /// <param name="lmtp">LMTP: LHLO instead of HELO/EHLO.</param>
    /// <param name="requireValidUtf8">smtputf8_enable: reject command lines that are not valid
    /// UTF-8 with Postfix's "500 5.5.2 Error: bad UTF-8 syntax".</param>
    /// <param name="myHostname">myhostname, named in the reply to an over-long command.</param>
    public SmtpCommandParser(bool lmtp = false, bool requireValidUtf8 = true, string myHostname = "localhost")
    {
        _lmtp = lmtp;
        _requireUtf8 = requireValidUtf8;
        _myHostname = myHostname;
    }

    /// <summary>
    /// Parses a line read by <see cref="SmtpLineReader"/>. A line longer than line_length_limit
    /// gets Postfix's "500 5.5.2 myhostname Error: command too long". (Bare LF is the caller's
    /// business: see <see cref="BareNewlinePolicy"/>.)
    /// </summary>
    public SmtpParseResult Parse(in SmtpLine line) =>
        line.TooLong ? SmtpParseResult.Fail(SmtpReplies.CommandTooLong(_myHostname)) : Parse(line.Text);

    /// <summary>Parses the text of a command line (without its line ending).</summary>
    public SmtpParseResult Parse(ReadOnlySequence<byte> text) =>
        text.IsSingleSegment ? Parse(text.FirstSpan) : Parse(text.ToArray());

    /// <summary>Parses the text of a command line (without its line ending).</summary>
    public SmtpParseResult Parse(ReadOnlySpan<byte> text)
    {
        string line;
        if (System.Text.Unicode.Utf8.IsValid(text))
            line = Encoding.UTF8.GetString(text);
        else if (_requireUtf8)
            return SmtpParseResult.Fail(SmtpReplies.BadUtf8Syntax);
        else
            line = Encoding.Latin1.GetString(text);
        return Parse(line);
    }

    /// <summary>Parses a command line already decoded to text.</summary>
    public SmtpParseResult Parse(string line)
    {
        var trimmed = line.Trim(' ', '\t');
        if (trimmed.Length == 0)
            return SmtpParseResult.Fail(SmtpReplies.BadSyntax);
        int sp = trimmed.IndexOfAny([' ', '\t']);
        var verbText = sp < 0 ? trimmed : trimmed[..sp];
        var arg = sp < 0 ? "" : trimmed[(sp + 1)..].TrimStart(' ', '\t');
        var verb = VerbOf(verbText);
        var cmd = new SmtpCommand(verb, verbText, arg);
        return verb switch
        {
            SmtpVerb.Unknown => SmtpParseResult.Fail(SmtpReplies.CommandNotRecognized),
            SmtpVerb.Helo => Required(cmd, SmtpReplies.HeloSyntax),
            SmtpVerb.Ehlo => Required(cmd, SmtpReplies.EhloSyntax),
            SmtpVerb.Lhlo => Required(cmd, SmtpReplies.LhloSyntax),
            SmtpVerb.Mail => SmtpMailRcptParser.ParseMail(cmd),
            SmtpVerb.Rcpt => SmtpMailRcptParser.ParseRcpt(cmd),
            SmtpVerb.Data => NoArgument(cmd, SmtpReplies.DataSyntax),
            SmtpVerb.Rset => NoArgument(cmd, SmtpReplies.RsetSyntax),
            SmtpVerb.StartTls => NoArgument(cmd, SmtpReplies.StartTlsSyntax),
            SmtpVerb.Vrfy => Required(cmd, _requireUtf8 ? SmtpReplies.VrfySyntaxSmtpUtf8 : SmtpReplies.VrfySyntax),
            SmtpVerb.Etrn => OneWord(cmd, SmtpReplies.EtrnSyntax),
            SmtpVerb.Auth => Required(cmd, SmtpReplies.AuthSyntax),
            SmtpVerb.Bdat => ParseBdat(cmd),
            _ => SmtpParseResult.Ok(cmd), // NOOP (RFC 5321 allows a string), QUIT, HELP
        };
    }

    private SmtpVerb VerbOf(string verb)
    {
        if (verb.Length is < 4 or > 8)
            return SmtpVerb.Unknown;
        switch (verb.ToUpperInvariant())
        {
            case "HELO": return _lmtp ? SmtpVerb.Unknown : SmtpVerb.Helo;
            case "EHLO": return _lmtp ? SmtpVerb.Unknown : SmtpVerb.Ehlo;
            case "LHLO": return _lmtp ? SmtpVerb.Lhlo : SmtpVerb.Unknown;
            case "MAIL": return SmtpVerb.Mail;
            case "RCPT": return SmtpVerb.Rcpt;
            case "DATA": return SmtpVerb.Data;
            case "BDAT": return SmtpVerb.Bdat;
            case "RSET": return SmtpVerb.Rset;
            case "NOOP": return SmtpVerb.Noop;
            case "QUIT": return SmtpVerb.Quit;
            case "VRFY": return SmtpVerb.Vrfy;
            case "ETRN": return SmtpVerb.Etrn;
            case "HELP": return SmtpVerb.Help;
            case "STARTTLS": return SmtpVerb.StartTls;
            case "AUTH": return SmtpVerb.Auth;
            default: return SmtpVerb.Unknown;
        }
    }

    private static SmtpParseResult Required(SmtpCommand cmd, SmtpReply syntax) =>
        cmd.Argument.Length == 0 ? SmtpParseResult.Fail(syntax) : SmtpParseResult.Ok(cmd);

    private static SmtpParseResult NoArgument(SmtpCommand cmd, SmtpReply syntax) =>
        cmd.Argument.Length != 0 ? SmtpParseResult.Fail(syntax) : SmtpParseResult.Ok(cmd);

    private static SmtpParseResult OneWord(SmtpCommand cmd, SmtpReply syntax) =>
        cmd.Argument.Length == 0 || cmd.Argument.IndexOfAny([' ', '\t']) >= 0
            ? SmtpParseResult.Fail(syntax)
            : SmtpParseResult.Ok(cmd);

    private static SmtpParseResult ParseBdat(SmtpCommand cmd)
    {
        var words = cmd.Argument.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is < 1 or > 2 || !SmtpMailRcptParser.AllDigits(words[0])
            || !long.TryParse(words[0], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out long size))
            return SmtpParseResult.Fail(SmtpReplies.BdatSyntax);
        bool last = false;
        if (words.Length == 2)
        {
            if (!words[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
                return SmtpParseResult.Fail(SmtpReplies.BdatSyntax);
            last = true;
        }
        return SmtpParseResult.Ok(cmd with { BdatSize = size, BdatLast = last });
    }
}
