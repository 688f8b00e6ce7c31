using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpCommandParserTests
{
    private static readonly SmtpCommandParser Parser = new();

    private static SmtpCommand Ok(string line)
    {
        var r = Parser.Parse(line);
        Assert.False(r.IsError, r.Error?.ToString());
        return r.Command!;
    }

    private static string Error(string line, SmtpCommandParser? parser = null)
    {
        var r = (parser ?? Parser).Parse(line);
        Assert.True(r.IsError);
        return r.Error!.ToString().TrimEnd();
    }

    [Theory]
    [InlineData("helo x", SmtpVerb.Helo)]
    [InlineData("EhLo x", SmtpVerb.Ehlo)]
    [InlineData("data", SmtpVerb.Data)]
    [InlineData("RSET", SmtpVerb.Rset)]
    [InlineData("noop", SmtpVerb.Noop)]
    [InlineData("quit", SmtpVerb.Quit)]
    [InlineData("QUIT now", SmtpVerb.Quit)]
    [InlineData("NOOP any string RFC 5321 allows", SmtpVerb.Noop)]
    [InlineData("vrfy bob", SmtpVerb.Vrfy)]
    [InlineData("etrn example.com", SmtpVerb.Etrn)]
    [InlineData("help", SmtpVerb.Help)]
    [InlineData("starttls", SmtpVerb.StartTls)]
    [InlineData("auth PLAIN AGJvYgBzZWNyZXQ=", SmtpVerb.Auth)]
    [InlineData("bdat 10", SmtpVerb.Bdat)]
    public void Verbs_are_case_insensitive(string line, SmtpVerb verb) => Assert.Equal(verb, Ok(line).Verb);

    [Fact]
    public void Keeps_the_argument_text()
    {
        var c = Ok("EHLO   client.example.com  ");
        Assert.Equal("client.example.com", c.Argument);
        Assert.Equal("EHLO", c.VerbText);
    }

    [Fact]
    public void Unknown_verb_gets_command_not_recognized() =>
        Assert.Equal("500 5.5.2 Error: command not recognized", Error("XYZZY"));

    [Fact]
    public void Empty_line_gets_bad_syntax() => Assert.Equal("500 5.5.2 Error: bad syntax", Error("   "));

    [Fact]
    public void Invalid_UTF8_gets_bad_UTF8_syntax()
    {
        var r = Parser.Parse(new byte[] { (byte)'N', (byte)'O', (byte)'O', (byte)'P', (byte)' ', 0xC3, 0x28 });
        Assert.Equal("500 5.5.2 Error: bad UTF-8 syntax", r.Error!.ToString().TrimEnd());
    }

    [Fact]
    public void VRFY_syntax_reply_mentions_SMTPUTF8_only_when_enabled() =>
        Assert.Equal("501 5.5.4 Syntax: VRFY address", Error("VRFY", new SmtpCommandParser(requireValidUtf8: false)));

    [Fact]
    public void Invalid_UTF8_passes_when_not_required()
    {
        var r = new SmtpCommandParser(requireValidUtf8: false).Parse(new byte[] { (byte)'V', (byte)'R', (byte)'F', (byte)'Y', (byte)' ', 0xE9 });
        Assert.False(r.IsError);
    }

    [Fact]
    public void Over_long_line_gets_command_too_long_naming_myhostname()
    {
        var line = new SmtpLine(new System.Buffers.ReadOnlySequence<byte>(Ascii("NOOP")), LineEnding.CrLf, false, TooLong: true);
        var parser = new SmtpCommandParser(myHostname: "mx.example.com");
        Assert.Equal("500 5.5.2 mx.example.com Error: command too long", parser.Parse(line).Error!.ToString().TrimEnd());
    }

    [Theory]
    [InlineData("HELO", "501 Syntax: HELO hostname")]
    [InlineData("EHLO", "501 Syntax: EHLO hostname")]
    [InlineData("MAIL", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("MAIL TO:<a@b>", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("MAIL FROM:", "501 5.5.4 Syntax: MAIL FROM:<address>")]
    [InlineData("RCPT FROM:<a@b>", "501 5.5.4 Syntax: RCPT TO:<address>")]
    [InlineData("DATA x", "501 5.5.4 Syntax: DATA")]
    [InlineData("RSET x", "501 5.5.4 Syntax: RSET")]
    [InlineData("VRFY", "501 5.5.4 Syntax: VRFY address [SMTPUTF8]")]
    [InlineData("ETRN", "500 Syntax: ETRN domain")]
    [InlineData("ETRN a b", "500 Syntax: ETRN domain")]
    [InlineData("STARTTLS x", "501 5.5.4 Syntax: STARTTLS")]
    [InlineData("AUTH", "501 5.5.4 Syntax: AUTH mechanism")]
    [InlineData("BDAT", "521 5.5.4 Syntax: BDAT count [LAST]")]
    [InlineData("BDAT x", "521 5.5.4 Syntax: BDAT count [LAST]")]
    [InlineData("BDAT 10 FIRST", "521 5.5.4 Syntax: BDAT count [LAST]")]
    [InlineData("BDAT -1", "521 5.5.4 Syntax: BDAT count [LAST]")]
    [InlineData("BDAT 99999999999999999999", "521 5.5.4 Syntax: BDAT count [LAST]")]
    public void Syntax_errors_get_Postfix_replies(string line, string reply) => Assert.Equal(reply, Error(line));

    [Theory]
    [InlineData("MAIL FROM:<a@example.com>", "<a@example.com>")]
    [InlineData("mail from:<>", "<>")]
    [InlineData("MAIL FROM: <a@example.com>", "<a@example.com>")]
    [InlineData("MAIL FROM:a@example.com", "a@example.com")]
    [InlineData("MAIL FROM:<\"john doe\"@example.com> SIZE=10", "<\"john doe\"@example.com>")]
    [InlineData("MAIL FROM:<\"a>b\"@example.com>", "<\"a>b\"@example.com>")]
    [InlineData("MAIL FROM:<@relay.example:u@example.com>", "<@relay.example:u@example.com>")]
    public void Extracts_the_sender_path(string line, string path) => Assert.Equal(path, Ok(line).Path);

    [Fact]
    public void Unterminated_sender_path_gets_bad_sender_address_syntax() =>
        Assert.Equal("501 5.1.7 Bad sender address syntax", Error("MAIL FROM:<a@example.com"));

    [Fact]
    public void Unterminated_recipient_quote_gets_bad_recipient_address_syntax() =>
        Assert.Equal("501 5.1.3 Bad recipient address syntax", Error("RCPT TO:<\"a@example.com>"));

    [Fact]
    public void Parses_MAIL_parameters()
    {
        var m = Ok("MAIL FROM:<a@b.example> SIZE=12345 BODY=8BITMIME RET=HDRS ENVID=QQ+2B314159 SMTPUTF8 AUTH=<>").Mail!;
        Assert.Equal(12345, m.Size);
        Assert.Equal(BodyType.EightBitMime, m.Body);
        Assert.Equal(DsnRet.Hdrs, m.Ret);
        Assert.Equal("QQ+314159", m.Envid);
        Assert.True(m.SmtpUtf8);
        Assert.Equal("<>", m.Auth);
    }

    [Theory]
    [InlineData("BODY=7BIT", BodyType.SevenBit)]
    [InlineData("body=8bitmime", BodyType.EightBitMime)]
    public void Parses_BODY(string param, BodyType body) => Assert.Equal(body, Ok("MAIL FROM:<> " + param).Mail!.Body);

    [Theory]
    [InlineData("SIZE=", "501 5.5.4 Bad message size syntax")]
    [InlineData("SIZE=12x", "501 5.5.4 Bad message size syntax")]
    [InlineData("SIZE=-1", "501 5.5.4 Bad message size syntax")]
    [InlineData("SIZE=99999999999999999999999", "552 5.3.4 Message size exceeds file system imposed limit")]
    [InlineData("RET=ALL", "501 5.5.4 Bad RET parameter syntax")]
    [InlineData("RET=FULL RET=HDRS", "501 5.5.4 Bad RET parameter syntax")]
    [InlineData("ENVID=a+zz", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("ENVID=a ENVID=b", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("ENVID=+0A", "501 5.5.4 Bad ENVID parameter syntax")]
    [InlineData("AUTH=a AUTH=b", "503 5.5.4 Error: multiple AUTH= options")]
    [InlineData("BODY=QUANTUM", "555 5.5.4 Unsupported option: BODY=QUANTUM")]
    [InlineData("BODY=BINARYMIME", "555 5.5.4 Unsupported option: BODY=BINARYMIME")]
    [InlineData("SMTPUTF8=yes", "555 5.5.4 Unsupported option: SMTPUTF8=yes")]
    [InlineData("XFOO", "555 5.5.4 Unsupported option: XFOO")]
    public void Bad_MAIL_parameters_get_Postfix_replies(string param, string reply) =>
        Assert.Equal(reply, Error("MAIL FROM:<a@b> " + param));

    [Fact]
    public void Parses_RCPT_parameters()
    {
        var c = Ok("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,delay ORCPT=rfc822;Bob+40example.com");
        Assert.Equal("<bob@example.com>", c.Path);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, c.Rcpt!.Notify);
        Assert.Equal("rfc822", c.Rcpt.OrcptType);
        Assert.Equal("Bob@example.com", c.Rcpt.OrcptAddress);
    }

    [Theory]
    [InlineData("NOTIFY=NEVER", DsnNotify.Never)]
    [InlineData("NOTIFY=FAILURE", DsnNotify.Failure)]
    [InlineData("notify=success,failure,delay", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    public void Parses_NOTIFY(string param, DsnNotify notify) =>
        Assert.Equal(notify, Ok("RCPT TO:<a@b> " + param).Rcpt!.Notify);

    [Theory]
    [InlineData("NOTIFY=NEVER,SUCCESS", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("NOTIFY=SOMETIMES", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("NOTIFY=", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("NOTIFY=SUCCESS NOTIFY=DELAY", "501 5.5.4 Error: Bad NOTIFY parameter syntax")]
    [InlineData("ORCPT=rfc822", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("ORCPT=;a@b", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("ORCPT=rfc822;a+4", "501 5.5.4 Error: Bad ORCPT parameter syntax")]
    [InlineData("SIZE=10", "555 5.5.4 Unsupported option: SIZE=10")]
    public void Bad_RCPT_parameters_get_Postfix_replies(string param, string reply) =>
        Assert.Equal(reply, Error("RCPT TO:<a@b> " + param));

    [Fact]
    public void Parses_BDAT_size_and_LAST()
    {
        var c = Ok("BDAT 1024 last");
        Assert.Equal(1024, c.BdatSize);
        Assert.True(c.BdatLast);
        Assert.False(Ok("BDAT 0").BdatLast);
    }

    [Fact]
    public void LMTP_takes_LHLO_and_not_HELO_or_EHLO()
    {
        var lmtp = new SmtpCommandParser(lmtp: true);
        Assert.Equal(SmtpVerb.Lhlo, lmtp.Parse("LHLO client.example").Command!.Verb);
        Assert.Equal("500 5.5.2 Error: command not recognized", Error("EHLO x", lmtp));
        Assert.Equal("500 5.5.2 Error: command not recognized", Error("HELO x", lmtp));
        Assert.Equal("501 Syntax: LHLO hostname", Error("LHLO", lmtp));
        Assert.Equal("500 5.5.2 Error: command not recognized", Error("LHLO x"));
    }

    [Fact]
    public void Accepts_an_SMTPUTF8_address_in_the_path() =>
        Assert.Equal("<δοκιμή@παράδειγμα.δοκιμή>", Ok("MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8").Path);

    [Fact]
    public void Parses_lines_read_one_byte_at_a_time_with_CRLF_and_bare_LF()
    {
        foreach (var ending in new[] { "\r\n", "\n" })
        {
            var input = Ascii("MAIL FROM:<a@b> SIZE=5" + ending + "RCPT TO:<c@d> NOTIFY=NEVER" + ending);
            var lines = ReadLines(new SmtpLineReader(2048), input, 1);
            var cmds = lines.Select(l => Parser.Parse(l.Line).Command!).ToList();
            Assert.Equal(5, cmds[0].Mail!.Size);
            Assert.Equal(DsnNotify.Never, cmds[1].Rcpt!.Notify);
        }
    }
}
