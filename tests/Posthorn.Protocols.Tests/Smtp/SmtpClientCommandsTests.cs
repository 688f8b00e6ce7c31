using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpClientCommandsTests
{
    private static readonly HashSet<string> All = new(["SIZE", "8BITMIME", "DSN", "SMTPUTF8", "AUTH", "BINARYMIME"], StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void MAIL_round_trips_through_the_server_parser()
    {
        var p = new MailParameters { Size = 1234, Body = BodyType.EightBitMime, Ret = DsnRet.Hdrs, Envid = "id+1=2 x", SmtpUtf8 = true, Auth = "alice@example.com" };
        var line = SmtpClientCommands.Mail("a@example.com", p, All);
        Assert.EndsWith("\r\n", line);
        var parsed = new SmtpCommandParser().Parse(line.TrimEnd('\r', '\n')).Command!;
        Assert.Equal("<a@example.com>", parsed.Path);
        Assert.Equal(p, parsed.Mail);
    }

    [Fact]
    public void RCPT_round_trips_through_the_server_parser()
    {
        var p = new RcptParameters { Notify = DsnNotify.Success | DsnNotify.Failure, OrcptType = "rfc822", OrcptAddress = "Bob+x@example.com" };
        var line = SmtpClientCommands.Rcpt("bob@example.com", p, All);
        Assert.Equal("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@example.com\r\n", line);
        Assert.Equal(p, new SmtpCommandParser().Parse(line.TrimEnd('\r', '\n')).Command!.Rcpt);
    }

    [Fact]
    public void Leaves_out_what_the_server_did_not_announce()
    {
        var p = new MailParameters { Size = 10, Body = BodyType.EightBitMime, Ret = DsnRet.Full, Envid = "x", SmtpUtf8 = true };
        Assert.Equal("MAIL FROM:<>\r\n", SmtpClientCommands.Mail("", p, new HashSet<string>()));
        Assert.Equal("RCPT TO:<b@x>\r\n", SmtpClientCommands.Rcpt("b@x", new RcptParameters { Notify = DsnNotify.Never }, new HashSet<string>()));
    }

    [Fact]
    public void Reads_keywords_from_an_EHLO_reply()
    {
        var reply = new SmtpReply(250, null, ["mx.example", "PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN", "AUTH=PLAIN", "dsn"]);
        var k = SmtpClientCommands.Keywords(reply);
        Assert.True(k.SetEquals(["PIPELINING", "SIZE", "AUTH", "DSN"]));
    }
}
