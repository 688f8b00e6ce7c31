using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Smtpd;

/// <summary>
/// A bounded fuzz run over real connections: fixed seed, 40 connections of random and mutated
/// command lines (about 1,200 lines, at most 60 seconds), then a normal session must still get
/// its message queued: no input brings the service down.
/// </summary>
public sealed class SmtpdFuzzEndToEndTests
{
    [Fact]
    public void Random_command_lines_over_real_connections_do_not_crash_the_service()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port, "smtpd_timeout = 5s\nsmtpd_hard_error_limit = 100\n");
        var script = $$"""
            import random, socket, time
            rnd = random.Random(20261125)
            seeds = [b"EHLO x", b"HELO y", b"MAIL FROM:<a@example.org>", b"MAIL FROM:<> SIZE=99999999999999999999",
                     b"RCPT TO:<bob@mail.example.test>", b"RCPT TO:<x@elsewhere> NOTIFY=BOGUS ORCPT=rfc822;x+ZZ", b"DATA",
                     b"BDAT 5", b"BDAT 0 LAST", b"RSET", b"NOOP", b"VRFY bob", b"ETRN #x", b"HELP", b"STARTTLS",
                     b"AUTH PLAIN AAAA", b".", b"", b"Subject: hi", b"\x00\xff\xfe"]
            def mutate(line):
                b = bytearray(line)
                for _ in range(rnd.randrange(4)):
                    op = rnd.randrange(4)
                    if op == 0 and b: del b[rnd.randrange(len(b))]
                    elif op == 1: b.insert(rnd.randrange(len(b) + 1), rnd.randrange(256))
                    elif op == 2: b.extend(b"A" * rnd.randrange(4000))
                    elif b: b[rnd.randrange(len(b))] = rnd.choice(b"<>:@=. \t\r\n")
                return bytes(b)
            deadline = time.time() + 60
            for conn in range(40):
                if time.time() > deadline: break
                s = socket.create_connection(("127.0.0.1", {{port}}), timeout=10)
                payload = b"".join(mutate(rnd.choice(seeds)) + rnd.choice([b"\r\n", b"\r\n", b"\n"]) for _ in range(30))
                try:
                    s.sendall(payload)
                    s.shutdown(socket.SHUT_WR)
                    while s.recv(65536): pass
                except OSError:
                    pass
                s.close()
            print("fuzzed")
            """;
        var r = SmtpdEndToEndTests.RunPython(script, 150_000);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var c = new SmtpdEndToEndTests.Conversation(port);
        Assert.StartsWith("220 ", c.Reply(), StringComparison.Ordinal);
        c.Command("EHLO client.example.org");
        c.Command("MAIL FROM:<alice@example.org>");
        Assert.Equal("250 2.1.5 Ok", c.Command("RCPT TO:<bob@mail.example.test>"));
        c.Command("DATA");
        c.Send("Subject: after the fuzz\r\n\r\nstill here\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", c.Command("."), StringComparison.Ordinal);
        Assert.DoesNotContain("session error", ms.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("panic", ms.Log, StringComparison.Ordinal);
    }
}
