using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>
/// Bad input over the wire (issue 7, "Bad input"): user names with '/', '..', NUL and very long
/// ones over POP3 (USER/PASS, AUTH PLAIN) and LMTP (RCPT) never open or create anything outside
/// the store; a few thousand random and mutated POP3 and LMTP lines, bounded in count and time,
/// leave sessions opened before the storm working.
/// </summary>
public sealed class HostileInputTests : IClassFixture<AccessSystem>
{
    private readonly AccessSystem _s;

    public HostileInputTests(AccessSystem system) => _s = system;

    private static string Ok(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return r.Stdout;
    }

    private string[] Tree() =>
        Directory.GetFileSystemEntries(_s.Dir, "*", SearchOption.AllDirectories)
            .Where(p => !p.Contains("/queue/", StringComparison.Ordinal) && !p.Contains("/script-", StringComparison.Ordinal) && !p.EndsWith("maillog", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Hostile_user_names_over_POP3_and_LMTP_never_leave_the_store()
    {
        Ok(_s.DeliverLmtp("Subject: before\r\n\r\nx\r\n", "gina@example.com"));
        var before = Tree();
        var output = Ok(_s.Python("""
            names = ['a/b@example.com', '../../../../tmp/evil', '..', '.', 'user1sld/../../x', 'x\0y', '\0', '../evil@example.com',
                     'A' * 300, 'B' * 5000 + '@example.com', '%2e%2e/x', 'gina@example.com/../../x', 'sneaky@example.com']
            import threading
            def pop3(name):
                # One connection per name, all at once: each failed login waits pop3d_login_failure_delay.
                s = socket.create_connection(('127.0.0.1', PORT)); f = s.makefile('rb'); f.readline()
                s.sendall(b'USER ' + name.encode('latin-1') + b'\r\n'); r1 = f.readline()
                s.sendall(b'PASS pippo\r\n'); r2 = f.readline()
                s.sendall(b'AUTH PLAIN ' + base64.b64encode(b'\0' + name.encode('latin-1') + b'\0pippo') + b'\r\n'); r3 = f.readline()
                print('pop3', len(name), r1[:3], r2[:40], r3[:40]); s.close()
            threads = [threading.Thread(target=pop3, args=(n,)) for n in names]
            for t in threads: t.start()
            for t in threads: t.join(30)
            for name in names:
                s = socket.create_connection(('127.0.0.1', LMTP)); f = s.makefile('rb'); f.readline()
                s.sendall(b'LHLO x\r\n')
                while f.readline()[3:4] == b'-': pass
                s.sendall(b'MAIL FROM:<a@example.org>\r\n'); f.readline()
                s.sendall(b'RCPT TO:<' + name.encode('latin-1') + b'>\r\n'); print('lmtp', len(name), f.readline()[:60])
                s.sendall(b'DATA\r\n'); r = f.readline()
                if r.startswith(b'354'):
                    s.sendall(b'Subject: hostile\r\n\r\nx\r\n.\r\n'); print('data', f.readline()[:60])
                s.close()
            """));
        Assert.DoesNotContain("+OK Logged in", output, StringComparison.Ordinal);
        Assert.DoesNotContain("b'250", output, StringComparison.Ordinal);
        Assert.Equal(13, output.Split('\n').Count(l => l.StartsWith("lmtp ", StringComparison.Ordinal)));
        Assert.Equal(before, Tree());
        var gina = Ok(_s.Python("p = poplib.POP3('127.0.0.1', PORT); p.user('gina@example.com'); print('gina', p.pass_('pippo').decode(), p.stat()); p.quit()\n"));
        Assert.Contains("gina +OK Logged in. (1, ", gina, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", _s.System.Log, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/evil"));
    }

    [Fact]
    public void A_storm_of_random_POP3_and_LMTP_lines_leaves_open_sessions_working()
    {
        Ok(_s.DeliverLmtp("Subject: kept\r\n\r\nkept body\r\n", "hank@example.com"));
        var output = Ok(_s.Python("""
            import random
            random.seed(2033)
            good = poplib.POP3('127.0.0.1', PORT); good.user('hank@example.com'); good.pass_('pippo')
            lm = smtplib.LMTP('127.0.0.1', LMTP); lm.ehlo_or_helo_if_needed(); lm.mail('a@example.org'); lm.rcpt('hank@example.com')
            seeds = [b'USER hank@example.com', b'PASS pippo', b'AUTH PLAIN', b'AUTH LOGIN', b'STAT', b'LIST 1', b'UIDL', b'TOP 1 0', b'RETR 1',
                     b'DELE 1', b'RSET', b'NOOP', b'CAPA', b'STLS', b'APOP a b', b'QUIT',
                     b'LHLO x', b'MAIL FROM:<a@b>', b'RCPT TO:<hank@example.com>', b'DATA', b'BDAT 10 LAST', b'RSET', b'VRFY x', b'STARTTLS']
            def mutate(b):
                b = bytearray(b)
                for _ in range(random.randrange(4)):
                    k = random.randrange(4); i = random.randrange(len(b) + 1)
                    if k == 0 and b: del b[min(i, len(b) - 1)]
                    elif k == 1: b.insert(i, random.randrange(256))
                    elif k == 2: b[i:i] = random.choice([b'\0', b'..', b'/', b'<', b'>', b'\r', b'\n', b' ' * 40, b'9' * 30])
                    else: b[i:i] = b[:random.randrange(20)]
                return bytes(b)
            start = time.time(); lines = 0; sessions = 0
            while time.time() - start < 25 and lines < 3000:
                sessions += 1
                port = PORT if sessions % 2 else LMTP
                try:
                    s = socket.create_connection(('127.0.0.1', port)); s.settimeout(1)
                    for _ in range(random.randrange(5, 60)):
                        line = mutate(random.choice(seeds)) if random.random() < 0.8 else bytes(random.randrange(256) for _ in range(random.randrange(100)))
                        s.sendall(line + random.choice([b'\r\n', b'\n', b'\r\n']))
                        lines += 1
                    s.shutdown(socket.SHUT_WR)
                    try:
                        while s.recv(65536): pass
                    except socket.timeout: pass
                    s.close()
                except OSError as e:
                    pass
            print('lines', lines, 'sessions', sessions)
            print('good', good.stat(), [l.decode() for l in good.retr(1)[1] if l.startswith(b'Subject')], good.quit().decode())
            code, msg = lm.data(b'Subject: after the storm\r\n\r\nok\r\n'); print('lmtp', code); lm.quit()
            """));
        var lines = int.Parse(output.Split("lines ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lines, 500, 3100);
        Assert.Contains("good (1, ", output, StringComparison.Ordinal);
        Assert.Contains("['Subject: kept'] +OK Logging out.", output, StringComparison.Ordinal);
        Assert.Contains("lmtp 250", output, StringComparison.Ordinal);
        Assert.Contains(_s.MaildirFiles("hank"), f => File.ReadAllText(f).Contains("Subject: after the storm", StringComparison.Ordinal));
        Assert.DoesNotContain("Exception", _s.System.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", _s.System.Log, StringComparison.Ordinal);
    }
}
