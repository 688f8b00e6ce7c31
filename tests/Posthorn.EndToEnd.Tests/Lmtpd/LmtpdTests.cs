using Posthorn.EndToEnd.Tests.Pop3d;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Lmtpd;

/// <summary>lmtpd against a running Posthorn, over TCP and the unix socket private/lmtp.</summary>
public sealed class LmtpdTests : IClassFixture<AccessSystem>
{
    private readonly AccessSystem _s;

    public LmtpdTests(AccessSystem system) => _s = system;

    private static string Ok(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return r.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [Fact]
    public void DATA_gets_exactly_one_reply_per_accepted_recipient_and_POP3_reads_the_message()
    {
        var output = Ok(_s.Python("""
            s = socket.create_connection(('127.0.0.1', LMTP)); s.settimeout(5); f = s.makefile('rb')
            def reply():
                lines = []
                while True:
                    l = f.readline().decode().rstrip('\r\n'); lines.append(l)
                    if len(l) < 4 or l[3] != '-': return lines
            print(reply())
            for cmd in ['LHLO client.example', 'MAIL FROM:<sender@example.org>', 'RCPT TO:<alice@example.com>', 'RCPT TO:<nobody@example.com>', 'RCPT TO:<gina@example.com>', 'DATA']:
                s.sendall((cmd + '\r\n').encode()); print(cmd, reply())
            s.sendall(b'Subject: lmtp test\r\n\r\nline one\r\n..leading dot\r\n.\r\n')
            print('after-dot', reply()); print('after-dot', reply())
            s.settimeout(1)
            try:
                print('extra', f.readline())
            except socket.timeout:
                print('no extra reply')
            s.settimeout(5); s.sendall(b'QUIT\r\n'); print([s.recv(100).decode().rstrip()])
            p = poplib.POP3('127.0.0.1', PORT); p.user('gina@example.com'); p.pass_('pippo')
            print('retr', p.retr(1)[1]); p.quit()
            """));
        Assert.Contains("LHLO client.example ['250-", output, StringComparison.Ordinal);
        Assert.Contains("'250-PIPELINING'", output, StringComparison.Ordinal);
        Assert.Contains("'250 8BITMIME'", output, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<nobody@example.com> [\"550 5.1.1 <nobody@example.com> User doesn't exist: nobody@example.com\"]", output, StringComparison.Ordinal);
        Assert.Contains("DATA ['354 End data with <CR><LF>.<CR><LF>']", output, StringComparison.Ordinal);
        Assert.Matches(@"after-dot \['250 2\.0\.0 <alice@example\.com> \S+ Saved'\]", output);
        Assert.Matches(@"after-dot \['250 2\.0\.0 <gina@example\.com> \S+ Saved'\]", output);
        Assert.Contains("no extra reply", output, StringComparison.Ordinal);
        Assert.Contains("['221 2.0.0 Bye']", output, StringComparison.Ordinal);
        Assert.Contains("retr [b'Return-Path: <sender@example.org>', b'Delivered-To: gina@example.com', b'Subject: lmtp test', b'', b'line one', b'.leading dot']", output, StringComparison.Ordinal);
        var stored = File.ReadAllText(Assert.Single(_s.MaildirFiles("alice"), f => File.ReadAllText(f).Contains("lmtp test", StringComparison.Ordinal)));
        Assert.Equal("Return-Path: <sender@example.org>\nDelivered-To: alice@example.com\nSubject: lmtp test\n\nline one\n.leading dot\n", stored);
        Assert.True(_s.System.WaitForLog("disconnect from unknown[127.0.0.1] lhlo=1 mail=1 rcpt=2/3 data=1 quit=1 commands=6/7"), _s.System.Log);
    }

    [Fact]
    public void The_unix_socket_delivers_too()
    {
        var output = Ok(_s.Python("""
            l = smtplib.LMTP(SOCK)
            print('refused', l.sendmail('sender@example.org', ['hank@example.com'], 'Subject: via unix\r\n\r\nhello\r\n')); l.quit()
            """));
        Assert.Contains("refused {}", output, StringComparison.Ordinal);
        Assert.Contains("Subject: via unix", File.ReadAllText(Assert.Single(_s.MaildirFiles("hank"))), StringComparison.Ordinal);
        Assert.Equal("666 socket\n", MailSystem.Run("stat", ["-c", "%a %F", _s.LmtpSocket]).Stdout);
    }

    [Fact]
    public void Bounded_fuzz_over_POP3_and_LMTP_leaves_the_services_running()
    {
        var output = Ok(_s.Python("""
            import random
            random.seed(20261125)
            pop = ['USER', 'PASS', 'APOP', 'AUTH', 'CAPA', 'STAT', 'LIST', 'UIDL', 'TOP', 'RETR', 'DELE', 'RSET', 'NOOP', 'STLS', 'XYZ', '']
            lmtp = ['LHLO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'RSET', 'NOOP', 'VRFY', 'BDAT', 'HELO', 'EHLO', 'STARTTLS', '']
            def junk():
                k = random.randrange(4)
                if k == 0: return bytes(random.randrange(256) for _ in range(random.randrange(40)))
                if k == 1: return random.choice([b'-1', b'0', b'99999999999999999999', b'1 -5', b'<>', b'<a@b>', b'AAAA====', b'*', b'../../etc'])
                if k == 2: return b'x' * random.choice([10, 300, 3000, 70000])
                return b''
            start = time.time(); sessions = 0
            while time.time() - start < 20 and sessions < 80:
                sessions += 1
                port, words = (PORT, pop) if sessions % 2 else (LMTP, lmtp)
                try:
                    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(2)
                    for _ in range(random.randrange(1, 15)):
                        line = random.choice(words).encode() + b' ' + junk()
                        if random.random() < 0.1: line = line.replace(b'\r', b'')
                        s.sendall(line + random.choice([b'\r\n', b'\n', b'\r\n', b'\r\n']))
                        try: s.recv(65536)
                        except socket.timeout: pass
                    s.close()
                except OSError as e:
                    print('client error', e)
            print('sessions', sessions)
            p = poplib.POP3('127.0.0.1', PORT); p.user('carol@example.com'); print('pop3', p.pass_('pippo').decode()); p.quit()
            l = smtplib.LMTP('127.0.0.1', LMTP); print('lmtp', l.sendmail('a@example.org', ['carol@example.com'], 'Subject: after fuzz\r\n\r\nok\r\n')); l.quit()
            """));
        Assert.Contains("pop3 +OK Logged in.", output, StringComparison.Ordinal);
        Assert.Contains("lmtp {}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", _s.System.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("command pop3d failed", _s.System.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("command lmtpd failed", _s.System.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", _s.System.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unix_socket_works_after_a_reload()
    {
        var pid = _s.System.MasterPid();
        Assert.Equal(0, _s.System.Postfix("reload").ExitCode);
        Assert.True(_s.System.WaitForLog($"posthorn/master[{pid}]: reload"), _s.System.Log);
        var output = Ok(_s.Python("""
            for i in range(100):
                try:
                    l = smtplib.LMTP(SOCK); break
                except OSError:
                    time.sleep(0.05)
            print('refused', l.sendmail('sender@example.org', ['frank@example.com'], 'Subject: after reload\r\n\r\nhello\r\n')); l.quit()
            """));
        Assert.Contains("refused {}", output, StringComparison.Ordinal);
        Assert.Contains(_s.MaildirFiles("frank"), f => File.ReadAllText(f).Contains("after reload", StringComparison.Ordinal));
    }

    [Fact]
    public void Swaks_delivers_over_LMTP_on_TCP_and_the_unix_socket()
    {
        var tcp = MailSystem.Run("swaks", ["--protocol", "LMTP", "--server", "127.0.0.1", "--port", _s.LmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--from", "swaks@example.org", "--to", "carol@example.com,nobody@example.com", "--header", "Subject: by swaks tcp"]);
        Assert.Contains("<-  250 2.0.0 <carol@example.com>", tcp.Stdout, StringComparison.Ordinal);
        Assert.Contains("<** 550 5.1.1 <nobody@example.com>", tcp.Stdout, StringComparison.Ordinal);
        var unix = MailSystem.Run("swaks", ["--protocol", "LMTP", "--socket", _s.LmtpSocket, "--from", "swaks@example.org", "--to", "carol@example.com", "--header", "Subject: by swaks unix"]);
        Assert.True(unix.ExitCode == 0, unix.Stdout + unix.Stderr);
        Assert.Contains(_s.MaildirFiles("carol"), f => File.ReadAllText(f).Contains("Subject: by swaks tcp", StringComparison.Ordinal));
        Assert.Contains(_s.MaildirFiles("carol"), f => File.ReadAllText(f).Contains("Subject: by swaks unix", StringComparison.Ordinal));
    }
}
