using System.Buffers;
using System.Text;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

/// <summary>
/// The pieces together, as smtpd will use them: lines are read and parsed until DATA, then the
/// DATA reader takes over at the consumed position, then lines again. Fed at every split size,
/// with CRLF and with bare LF commands.
/// </summary>
public class SmtpDialogTests
{
    private sealed record Result(List<string> Log, string Content);

    private static Result Run(string wire, int chunk)
    {
        var lines = new SmtpLineReader(2048);
        var parser = new SmtpCommandParser();
        var sequence = new SmtpSequence(heloRequired: true);
        var log = new List<string>();
        var content = new CollectingSink();
        SmtpDataReader? data = null;
        var bytes = Encoding.UTF8.GetBytes(wire);
        var pending = new List<byte>();
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            pending.AddRange(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)).ToArray());
            var buffer = TestSupport.Segmented(pending.ToArray(), Math.Max(1, chunk));
            while (true)
            {
                if (data is not null)
                {
                    var status = data.Read(buffer, content, out var end);
                    buffer = buffer.Slice(end);
                    if (status != DataReadStatus.Done)
                        break;
                    log.Add(data.TooBig ? "552" : "250 queued");
                    sequence.Reset();
                    data = null;
                    continue;
                }
                if (!lines.TryReadLine(buffer, out var line, out var consumed, out _))
                {
                    buffer = buffer.Slice(consumed);
                    break;
                }
                var parsed = parser.Parse(line);
                buffer = buffer.Slice(consumed);
                if (parsed.IsError)
                {
                    log.Add(parsed.Error!.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }
                var cmd = parsed.Command!;
                var refused = sequence.Check(cmd.Verb);
                if (refused is not null)
                {
                    log.Add(refused.Code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }
                switch (cmd.Verb)
                {
                    case SmtpVerb.Ehlo: sequence.OnHelo(); log.Add("250 ehlo"); break;
                    case SmtpVerb.Mail: sequence.OnMail(); log.Add("250 mail " + cmd.Path); break;
                    case SmtpVerb.Rcpt: sequence.OnRcptAccepted(); log.Add("250 rcpt " + cmd.Path); break;
                    case SmtpVerb.Data: data = new SmtpDataReader(0); log.Add("354"); break;
                    case SmtpVerb.Quit: log.Add("221"); break;
                    default: log.Add("250"); break;
                }
            }
            pending.Clear();
            pending.AddRange(buffer.ToArray());
        }
        return new Result(log, content.Text);
    }

    [Theory]
    [InlineData(1, "\r\n")]
    [InlineData(2, "\r\n")]
    [InlineData(7, "\r\n")]
    [InlineData(4096, "\r\n")]
    [InlineData(1, "\n")]
    [InlineData(4096, "\n")]
    public void A_whole_transaction_reads_the_same_at_every_split(int chunk, string eol)
    {
        var wire = "MAIL FROM:<a@example.com>" + eol + "EHLO client.example" + eol + "MAIL FROM:<a@example.com> SIZE=20" + eol
            + "RCPT TO:<b@example.com>" + eol + "DATA" + eol + "Subject: t\r\n\r\n..dot\r\n.\r\n" + "NOOP" + eol + "QUIT" + eol;
        var r = Run(wire, chunk);
        Assert.Equal(["503", "250 ehlo", "250 mail <a@example.com>", "250 rcpt <b@example.com>", "354", "250 queued", "250", "221"], r.Log);
        Assert.Equal("Subject: t\r\n\r\n.dot\r\n", r.Content);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void A_smuggled_second_message_stays_inside_the_first(int chunk)
    {
        var wire = "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nhello\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<victim@x>\r\nDATA\r\nforged\r\n.\r\nQUIT\r\n";
        var r = Run(wire, chunk);
        Assert.Equal(["250 ehlo", "250 mail <a@x>", "250 rcpt <b@x>", "354", "250 queued", "221"], r.Log);
        Assert.Contains("MAIL FROM:<evil@x>", r.Content);
    }
}
