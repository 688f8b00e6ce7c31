using System.Text;
using Posthorn.Core.Config;
using Posthorn.Services.Pickup;

namespace Posthorn.Commands.Sendmail;

/// <summary>
/// sendmail -bs: an SMTP dialogue on standard input and output, as Postfix runs "smtpd -S" for
/// it. A minimal local reader (RFC 5321 commands HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP,
/// VRFY, QUIT); each message goes to the maildrop queue through
/// <see cref="MaildropSubmission"/> and gets "250 2.0.0 Ok: queued as ID" once it is on disk.
/// Lines may end in CR LF or LF. Reads smtpd_banner, message_size_limit.
/// </summary>
internal sealed class SendmailSmtpSession
{
    private readonly MainConfig _config;
    private readonly SendmailOptions _options;
    private readonly string _user;
    private readonly long _uid;
    private readonly Stream _input;
    private readonly TextWriter _output;

    public SendmailSmtpSession(MainConfig config, SendmailOptions options, string user, long uid, Stream input, TextWriter output)
    {
        _config = config;
        _options = options;
        _user = user;
        _uid = uid;
        _input = input is MemoryStream or BufferedStream ? input : new BufferedStream(input, 64 * 1024);
        _output = output;
    }

    public int Run()
    {
        Reply("220 " + _config.Get("smtpd_banner"));
        string? sender = null;
        var recipients = new List<string>();
        bool helo = false;
        while (ReadLine() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            var arg = line.Length > verb.Length ? line[(verb.Length + 1)..].Trim() : "";
            switch (verb)
            {
                case "HELO":
                case "EHLO":
                    if (arg.Length == 0)
                    {
                        Reply("501 Syntax: " + verb + " hostname");
                        break;
                    }
                    helo = true;
                    sender = null;
                    recipients.Clear();
                    if (verb == "EHLO")
                    {
                        Reply("250-" + _config.Get("myhostname"));
                        Reply("250-SIZE " + _config.Get("message_size_limit"));
                        Reply("250-8BITMIME");
                        Reply("250 ENHANCEDSTATUSCODES");
                    }
                    else
                    {
                        Reply("250 " + _config.Get("myhostname"));
                    }
                    break;
                case "MAIL":
                    if (!helo)
                        Reply("503 5.5.1 Error: send HELO/EHLO first");
                    else if (sender is not null)
                        Reply("503 5.5.1 Error: nested MAIL command");
                    else if (Path(arg, "FROM:") is { } from)
                    {
                        sender = from;
                        Reply("250 2.1.0 Ok");
                    }
                    else
                    {
                        Reply("501 5.5.4 Syntax: MAIL FROM:<address>");
                    }
                    break;
                case "RCPT":
                    if (sender is null)
                        Reply("503 5.5.1 Error: need MAIL command");
                    else if (Path(arg, "TO:") is { Length: > 0 } to)
                    {
                        recipients.Add(to);
                        Reply("250 2.1.5 Ok");
                    }
                    else
                    {
                        Reply("501 5.5.4 Syntax: RCPT TO:<address>");
                    }
                    break;
                case "DATA":
                    if (sender is null || recipients.Count == 0)
                    {
                        Reply(sender is null ? "503 5.5.1 Error: need MAIL command" : "554 5.5.1 Error: no valid recipients");
                        break;
                    }
                    Reply("354 End data with <CR><LF>.<CR><LF>");
                    Reply(Data(sender, recipients));
                    sender = null;
                    recipients.Clear();
                    break;
                case "RSET":
                    sender = null;
                    recipients.Clear();
                    Reply("250 2.0.0 Ok");
                    break;
                case "NOOP":
                    Reply("250 2.0.0 Ok");
                    break;
                case "VRFY":
                    Reply("252 2.0.0 " + arg);
                    break;
                case "QUIT":
                    Reply("221 2.0.0 Bye");
                    return 0;
                default:
                    Reply("502 5.5.2 Error: command not recognized");
                    break;
            }
        }
        return 0;
    }

    private string Data(string sender, List<string> recipients)
    {
        var content = new MemoryStream();
        long limit = _config.GetLong("message_size_limit");
        bool ended = false, tooBig = false;
        while (ReadRaw() is { } raw)
        {
            var line = raw.AsSpan();
            if (line.Length > 0 && line[^1] == '\r')
                line = line[..^1];
            if (line.Length == 1 && line[0] == '.')
            {
                ended = true;
                break;
            }
            if (line.Length > 0 && line[0] == '.')
                line = line[1..];
            if (tooBig || (limit > 0 && content.Length + line.Length + 2 > limit))
            {
                tooBig = true; // keep reading to the end of the data, keep nothing
                continue;
            }
            content.Write(line);
            content.WriteByte((byte)'\n');
        }
        if (!ended)
            return "421 4.4.2 Error: end of input during DATA";
        if (tooBig)
            return "552 5.3.4 Error: message file too big";
        content.Position = 0;
        try
        {
            var id = new MaildropSubmission(_config, _options, _user, _uid).SubmitSmtp(sender, recipients, content);
            return "250 2.0.0 Ok: queued as " + id;
        }
        catch (SubmissionException e)
        {
            return e.Status == 65 ? "552 5.3.4 Error: message file too big" : "451 4.3.0 Error: queue file write error";
        }
    }

    /// <summary>The address in "FROM:&lt;addr&gt; params" (RFC 5321 path), internal form; null when malformed.</summary>
    private static string? Path(string arg, string keyword)
    {
        if (!arg.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
            return null;
        var rest = arg[keyword.Length..].TrimStart();
        if (!rest.StartsWith('<'))
            return null;
        int close = rest.IndexOf('>', StringComparison.Ordinal);
        if (close < 0)
            return null;
        var inner = rest[1..close];
        if (inner.Length == 0)
            return "";
        var parsed = HeaderRecipients.Parse("<" + inner + ">");
        return parsed.Count == 1 ? parsed[0] : null;
    }

    private void Reply(string line)
    {
        _output.Write(line + "\r\n");
        _output.Flush();
    }

    private string? ReadLine()
    {
        var raw = ReadRaw();
        return raw is null ? null : Encoding.UTF8.GetString(raw).TrimEnd('\r');
    }

    private byte[]? ReadRaw()
    {
        var line = new List<byte>();
        int b;
        while ((b = _input.ReadByte()) >= 0)
        {
            if (b == '\n')
                return line.ToArray();
            line.Add((byte)b);
        }
        return line.Count > 0 ? line.ToArray() : null;
    }
}
