using System.Buffers;
using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpReplyTests
{
    [Fact]
    public void Formats_a_one_line_reply_with_enhanced_code() =>
        Assert.Equal("250 2.1.0 Ok\r\n", new SmtpReply(250, "2.1.0", "Ok").ToString());

    [Fact]
    public void Formats_a_reply_without_enhanced_code() =>
        Assert.Equal("220 mail.example.com ESMTP Posthorn\r\n", new SmtpReply(220, null, "mail.example.com ESMTP Posthorn").ToString());

    [Fact]
    public void Formats_multi_line_replies_with_dash_continuations()
    {
        var reply = new SmtpReply(550, "5.7.1", ["first", "second", "third"]);
        Assert.Equal("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n", reply.ToString());
    }

    [Fact]
    public void CR_and_LF_inside_a_line_cannot_split_the_reply() =>
        Assert.Equal("550 5.1.1 <a\r\n250 ok>: rejected\r\n".Replace("\r\n2", "  2"),
            new SmtpReply(550, "5.1.1", "<a\r\n250 ok>: rejected").ToString());

    [Fact]
    public void Writes_UTF8_text() =>
        Assert.Equal("250 2.0.0 Grüße\r\n"u8.ToArray(), new SmtpReply(250, "2.0.0", "Grüße").ToBytes());

    [Fact]
    public void Literal_replies_end_in_CRLF()
    {
        Assert.Equal("250 2.0.0 Ok\r\n"u8.ToArray(), SmtpReplies.Ok.ToArray());
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>\r\n"u8.ToArray(), SmtpReplies.StartMailInput.ToArray());
        Assert.Equal("221 2.0.0 Bye\r\n"u8.ToArray(), SmtpReplies.Bye.ToArray());
    }

    [Fact]
    public void Bare_newline_reply_uses_the_configured_code()
    {
        Assert.Equal("550 5.5.2 mx.example Error: bare <LF> received\r\n", SmtpReplies.BareNewline(550, "mx.example").ToString());
    }

    [Fact]
    public void Queued_reply_names_the_queue_id() =>
        Assert.Equal("250 2.0.0 Ok: queued as 3F2A11B2C4\r\n", SmtpReplies.Queued("3F2A11B2C4").ToString());

    [Fact]
    public void BDAT_replies_follow_Postfix()
    {
        Assert.Equal("551 5.7.1 Null BDAT request\r\n"u8.ToArray(), SmtpReplies.NullBdat.ToArray());
        Assert.Equal("552 5.3.4 Chunk exceeds message size limit\r\n"u8.ToArray(), SmtpReplies.ChunkExceedsLimit.ToArray());
        Assert.Equal("551 5.0.0 Discarded 42 bytes after earlier error\r\n", SmtpReplies.DiscardedAfterError(42).ToString());
    }

    [Fact]
    public void Classifies_reply_codes()
    {
        Assert.True(new SmtpReply(354, null, "go").IsPositive);
        Assert.True(new SmtpReply(451, "4.3.0", "x").IsTransient);
        Assert.True(new SmtpReply(554, "5.7.1", "x").IsPermanent);
    }

    [Fact]
    public void EHLO_reply_lists_keywords_after_the_hostname()
    {
        var ehlo = new EhloKeywords([]);
        var reply = ehlo.Build("mail.example.com", ["PIPELINING", "SIZE 10240000", "8BITMIME"]);
        Assert.Equal("250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n", reply.ToString());
    }

    [Fact]
    public void EHLO_reply_honours_smtpd_discard_ehlo_keywords_case_insensitively()
    {
        var ehlo = new EhloKeywords(["silent-discard", "size", "DSN", "etrn"]);
        var reply = ehlo.Build("mx", ["PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "DSN", "CHUNKING"]);
        Assert.Equal(["mx", "PIPELINING", "VRFY", "CHUNKING"], reply.Lines);
        Assert.True(ehlo.SilentDiscard);
        Assert.False(ehlo.IsDiscarded("silent-discard extra"));
    }

    [Fact]
    public void Standard_keywords_follow_Postfix_order()
    {
        var k = EhloKeywords.Standard(10240000, vrfy: true, startTls: true, authMechanisms: ["PLAIN", "LOGIN"], brokenSaslAuthClients: true);
        Assert.Equal(["PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN",
            "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"], k);
    }

    [Fact]
    public void Standard_keywords_drop_what_is_turned_off()
    {
        var k = EhloKeywords.Standard(0, vrfy: false, smtpUtf8: false);
        Assert.Equal(["PIPELINING", "SIZE", "ETRN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "CHUNKING"], k);
    }

    private static List<SmtpReply> ParseAll(string input, int chunk)
    {
        var parser = new SmtpReplyParser(2048);
        var result = new List<SmtpReply>();
        var bytes = Ascii(input);
        var pending = new List<byte>();
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            pending.AddRange(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)).ToArray());
            while (true)
            {
                var seq = Segmented(pending.ToArray(), chunk);
                var status = parser.TryRead(seq, out var reply, out var consumed, out _);
                int used = (int)seq.Slice(0, consumed).Length;
                pending.RemoveRange(0, used);
                Assert.NotEqual(ReplyReadStatus.Malformed, status);
                if (status != ReplyReadStatus.Complete)
                    break;
                result.Add(reply!);
            }
        }
        return result;
    }

    [Theory]
    [InlineData(1, "\r\n")]
    [InlineData(3, "\r\n")]
    [InlineData(1, "\n")]
    [InlineData(4096, "\n")]
    public void Client_parses_multi_line_replies_at_every_split_point(int chunk, string eol)
    {
        var replies = ParseAll("220 mx ESMTP" + eol + "250-mx" + eol + "250-PIPELINING" + eol + "250 SIZE 1000" + eol
            + "550 5.1.1 <x@y>: Recipient address rejected" + eol, chunk);
        Assert.Equal(3, replies.Count);
        Assert.Equal(220, replies[0].Code);
        Assert.Equal(["mx", "PIPELINING", "SIZE 1000"], replies[1].Lines);
        Assert.Null(replies[1].EnhancedStatus);
        Assert.Equal("5.1.1", replies[2].EnhancedStatus);
        Assert.Equal("<x@y>: Recipient address rejected", replies[2].Lines[0]);
    }

    [Fact]
    public void Client_accepts_a_bare_code_line()
    {
        var replies = ParseAll("250\r\n", 1);
        Assert.Equal(250, replies[0].Code);
        Assert.Equal([""], replies[0].Lines);
    }

    [Fact]
    public void Client_ignores_an_enhanced_code_of_another_class()
    {
        var replies = ParseAll("250 5.0.0 odd\r\n", 100);
        Assert.Null(replies[0].EnhancedStatus);
        Assert.Equal("5.0.0 odd", replies[0].Lines[0]);
    }

    [Theory]
    [InlineData("hello\r\n")]
    [InlineData("25 short\r\n")]
    [InlineData("250xbad\r\n")]
    [InlineData("250-a\r\n251 b\r\n")]
    public void Client_reports_malformed_replies(string input)
    {
        var parser = new SmtpReplyParser(2048);
        var seq = new ReadOnlySequence<byte>(Ascii(input));
        ReplyReadStatus status;
        do
        {
            status = parser.TryRead(seq, out _, out var consumed, out _);
            seq = seq.Slice(consumed);
        }
        while (status == ReplyReadStatus.Complete);
        Assert.Equal(ReplyReadStatus.Malformed, status);
    }
}
