using System.Buffers;
using System.Text;
using Posthorn.Protocols.Imap;
using Posthorn.Protocols.Sasl;

namespace Posthorn.Protocols.Tests.Imap;

/// <summary>Shows how the imapd server strings reader, parser, SASL and writer together for AUTHENTICATE and IDLE.</summary>
public class ImapConversationTests
{
    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void Authenticate_plain_with_continuation_then_idle_done(string eol)
    {
        var input = Encoding.ASCII.GetBytes($"a1 AUTHENTICATE PLAIN{eol}AHVzZXIxc2xkAHBpcHBv{eol}a2 IDLE{eol}DONE{eol}a3 LOGOUT{eol}");
        var reader = new ImapCommandReader();
        var w = new ImapResponseWriter();
        var buffer = new ReadOnlySequence<byte>(input);
        SaslMechanism? sasl = null;
        string? saslTag = null;
        string? idleTag = null;
        var done = false;
        while (!done)
        {
            if (sasl is not null || idleTag is not null)
            {
                Assert.True(reader.TryReadLine(buffer, out var line, out _, out var consumed, out _));
                buffer = buffer.Slice(consumed);
                if (idleTag is not null)
                {
                    Assert.Equal("DONE", line, ignoreCase: true);
                    w.Tagged(idleTag, ImapStatus.Ok, "Idle completed.");
                    idleTag = null;
                    continue;
                }

                var response = SaslFraming.DecodeResponse(line!);
                Assert.Equal(SaslResponseKind.Data, response.Kind);
                var step = sasl!.Step(response.Data);
                Assert.Equal(SaslStatus.VerifyPassword, step.Status);
                Assert.Equal("pippo", step.Credentials!.Password);
                w.Tagged(saslTag!, ImapStatus.Ok, "Logged in", "CAPABILITY " + ImapCapabilities.Format(true, false, true, true, []));
                sasl = null;
                continue;
            }

            var result = reader.TryRead(buffer, out var c, out _);
            buffer = buffer.Slice(c);
            Assert.Equal(ImapReadStatus.Command, result.Status);
            var parsed = ImapCommandParser.Parse(result.Command!);
            switch (parsed.Command)
            {
                case AuthenticateCommand auth:
                    sasl = SaslMechanism.Create(auth.Mechanism);
                    saslTag = auth.Tag;
                    var first = sasl!.Start(null);
                    w.Continuation(SaslFraming.EncodeChallenge(first.Challenge));
                    break;
                case ImapSimpleCommand { Verb: "IDLE" } idle:
                    idleTag = idle.Tag;
                    w.Continuation("idling");
                    break;
                case ImapSimpleCommand { Verb: "LOGOUT" } logout:
                    w.Untagged(ImapStatus.Bye, "Logging out");
                    w.Tagged(logout.Tag, ImapStatus.Ok, "Logout completed.");
                    done = true;
                    break;
            }
        }

        Assert.Equal(
            "+ \r\na1 OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE LIST-EXTENDED CONDSTORE BINARY UTF8=ACCEPT] Logged in\r\n"
            + "+ idling\r\na2 OK Idle completed.\r\n* BYE Logging out\r\na3 OK Logout completed.\r\n",
            w.ToString());
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void Sasl_ir_initial_response_skips_the_continuation()
    {
        var parsed = ImapCommandParser.Parse(ImapReaderDriver.Single("a AUTHENTICATE PLAIN AHVzZXIxc2xkAHBpcHBv\r\n"));
        var auth = Assert.IsType<AuthenticateCommand>(parsed.Command);
        var initial = SaslFraming.DecodeInitialResponse(auth.InitialResponse!);
        var step = SaslMechanism.Create(auth.Mechanism)!.Start(initial.Data);
        Assert.Equal("user1sld", step.Credentials!.AuthenticationId);
    }
}
