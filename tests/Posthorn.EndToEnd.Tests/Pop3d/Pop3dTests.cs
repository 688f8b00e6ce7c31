using System.Text;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>pop3d against a running Posthorn, driven by python's poplib and openssl s_client.</summary>
public sealed class Pop3dTests : IClassFixture<AccessSystem>
{
    private readonly AccessSystem _s;

    public Pop3dTests(AccessSystem system) => _s = system;

    private static string Ok(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        return r.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [Fact]
    public void Lecture_conversation_word_for_word()
    {
        const string sender = "root@stud.cgri.edu";
        for (int n = 1; n <= 3; n++)
            Ok(_s.DeliverLmtpFrom(sender, LectureMessages.Message(n), "user1sld@localhost"));
        var script = """
            p = poplib.POP3('127.0.0.1', PORT)
            out = [p.getwelcome().decode()]
            def longcmd(cmd):
                out.append(cmd); resp, lines, _ = p._longcmd(cmd)
                out.append(resp.decode()); out.extend(l.decode() for l in lines); out.append('.')
            longcmd('AUTH')
            longcmd('CAPA')
            out.append('AUTH PLAIN'); p._putcmd('AUTH PLAIN'); out.append(p._getline()[0].decode())
            out.append('AHVzZXIxc2xkAHBpcHBv'); out.append(p._shortcmd('AHVzZXIxc2xkAHBpcHBv').decode())
            out.append('STAT'); out.append(p._shortcmd('STAT').decode())
            longcmd('LIST'); longcmd('UIDL'); longcmd('RETR 2'); longcmd('RETR 3')
            out.append('QUIT'); out.append(p.quit().decode())
            print('\n'.join(out))
            """;
        var transcript = Ok(_s.Python(script));

        var sizes = Enumerable.Range(1, 3).Select(n => Encoding.UTF8.GetByteCount(LectureMessages.AsRetrieved(n, sender, "user1sld@localhost"))).ToArray();
        var uidValidity = File.ReadLines(Path.Combine(_s.Vmail, "example.com", "user1sld", "posthorn-uidlist")).First().Split(' ')[2];
        var v = uint.Parse(uidValidity, System.Globalization.CultureInfo.InvariantCulture).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        string Body(int n) => LectureMessages.AsRetrieved(n, sender, "user1sld@localhost").Replace("\r\n", "\n", StringComparison.Ordinal);
        var expected =
            "+OK Dovecot ready.\nAUTH\n+OK\nPLAIN\n.\n" +
            "CAPA\n+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nPIPELINING\nSTLS\nUSER\nSASL PLAIN\n.\n" +
            "AUTH PLAIN\n+ \nAHVzZXIxc2xkAHBpcHBv\n+OK Logged in.\n" +
            $"STAT\n+OK 3 {sizes.Sum()}\n" +
            $"LIST\n+OK 3 messages:\n1 {sizes[0]}\n2 {sizes[1]}\n3 {sizes[2]}\n.\n" +
            $"UIDL\n+OK\n1 00000001{v}\n2 00000002{v}\n3 00000003{v}\n.\n" +
            $"RETR 2\n+OK {sizes[1]} octets\n{Body(2)}.\n" +
            $"RETR 3\n+OK {sizes[2]} octets\n{Body(3)}.\n" +
            "QUIT\n+OK Logging out.\n";
        Assert.Equal(expected, transcript);
        Assert.True(_s.System.WaitForLog("Login: user=<user1sld>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1"), _s.System.Log);
    }

    [Fact]
    public void Plaintext_login_from_another_address_is_refused_until_STLS()
    {
        Ok(_s.DeliverLmtp("Subject: one\r\n\r\nbody\r\n", "alice@example.com"));
        var output = Ok(_s.Python("""
            p = poplib.POP3('127.0.0.2', PORT)
            print('capa-before', sorted(p.capa().keys()))
            try:
                p.user('alice@example.com'); print('USER accepted')
            except poplib.error_proto as e:
                print('refused', e.args[0].decode())
            try:
                p._shortcmd('AUTH PLAIN ' + base64.b64encode(b'\0alice@example.com\0pippo').decode()); print('AUTH accepted')
            except poplib.error_proto as e:
                print('refused', e.args[0].decode())
            p.stls(CTX)
            print('capa-after', sorted(p.capa().keys()))
            p.user('alice@example.com'); print(p.pass_('pippo').decode()); print(p.stat()); p.quit()
            """));
        Assert.Contains("capa-before ['CAPA', 'PIPELINING', 'RESP-CODES', 'STLS', 'TOP', 'UIDL']", output, StringComparison.Ordinal);
        Assert.Contains("refused -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("accepted", output, StringComparison.Ordinal);
        Assert.Contains("capa-after ['CAPA', 'PIPELINING', 'RESP-CODES', 'SASL', 'TOP', 'UIDL', 'USER']", output, StringComparison.Ordinal);
        Assert.Contains("+OK Logged in.", output, StringComparison.Ordinal);
        Assert.True(_s.System.WaitForLog("Login: user=<alice@example.com>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.2, TLS"), _s.System.Log);
    }

    [Fact]
    public void Pop3s_logs_in_a_SHA512_CRYPT_user()
    {
        Ok(_s.DeliverLmtp("Subject: crypt\r\n\r\nbody\r\n", "crypt@example.com"));
        var output = Ok(_s.Python($"""
            p = poplib.POP3_SSL('127.0.0.1', POP3S, context=CTX)
            p.user('crypt@example.com'); print(p.pass_('{AccessSystem.Sha512Password}').decode())
            print(p.sock.version()); print(p.stat()); p.quit()
            """));
        Assert.Contains("+OK Logged in.", output, StringComparison.Ordinal);
        Assert.Matches("TLSv1\\.[23]", output);
        Assert.Contains("(1, ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Openssl_s_client_starttls_pop3_connects()
    {
        var output = Ok(_s.Python("""
            import subprocess
            r = subprocess.run(['openssl', 's_client', '-starttls', 'pop3', '-connect', f'127.0.0.1:{PORT}', '-ign_eof'],
                               input=b'CAPA\r\nQUIT\r\n', capture_output=True, timeout=30)
            print(r.returncode); print(r.stdout.decode(errors='replace')); print(r.stderr.decode(errors='replace'))
            """));
        Assert.Contains("BEGIN CERTIFICATE", output, StringComparison.Ordinal);
        Assert.Contains("+OK Logging out.", output, StringComparison.Ordinal);
        Assert.Contains("USER", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_password_gets_ERR_AUTH_after_the_failure_delay()
    {
        var output = Ok(_s.Python("""
            p = poplib.POP3('127.0.0.1', PORT)
            p.user('bob@example.com')
            t = time.time()
            try:
                p.pass_('wrong'); print('accepted')
            except poplib.error_proto as e:
                print(e.args[0].decode()); print('delay %.2f' % (time.time() - t))
            p.user('bob@example.com'); print(p.pass_('pippo').decode()); p.quit()
            """));
        Assert.Contains("-ERR [AUTH] Authentication failed.", output, StringComparison.Ordinal);
        var delay = double.Parse(output.Split("delay ")[1].Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(delay, 0.9, 10);
        Assert.Contains("+OK Logged in.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DELE_with_QUIT_removes_and_DELE_with_a_dropped_connection_does_not()
    {
        Ok(_s.DeliverLmtp("Subject: first\r\n\r\none\r\n", "dave@example.com"));
        Ok(_s.DeliverLmtp("Subject: second\r\n\r\ntwo\r\n", "dave@example.com"));
        var output = Ok(_s.Python("""
            def login():
                for i in range(50):
                    p = poplib.POP3('127.0.0.1', PORT); p.user('dave@example.com')
                    try:
                        p.pass_('pippo'); return p
                    except poplib.error_proto as e:
                        if b'IN-USE' not in e.args[0]: raise
                        p.close(); time.sleep(0.1)
            p = login(); print('dele', p.dele(1).decode()); p.close()   # dropped: no QUIT
            p = login(); print('after-drop', p.stat()); print(p.dele(1).decode()); print(p.quit().decode())
            p = login(); print('after-quit', p.stat()); print(p.retr(1)[1]); p.quit()
            """));
        Assert.Contains("dele +OK Marked to be deleted.", output, StringComparison.Ordinal);
        Assert.Contains("after-drop (2, ", output, StringComparison.Ordinal);
        Assert.Contains("+OK Logging out, messages deleted.", output, StringComparison.Ordinal);
        Assert.Contains("after-quit (1, ", output, StringComparison.Ordinal);
        Assert.Contains("b'Subject: second'", output, StringComparison.Ordinal);
        Assert.Single(_s.MaildirFiles("dave"));
    }

    [Fact]
    public void A_second_concurrent_session_gets_IN_USE()
    {
        var output = Ok(_s.Python("""
            p1 = poplib.POP3('127.0.0.1', PORT); p1.user('erin@example.com'); print('first', p1.pass_('pippo').decode())
            p2 = poplib.POP3('127.0.0.1', PORT); p2.user('erin@example.com')
            try:
                p2.pass_('pippo'); print('second accepted')
            except poplib.error_proto as e:
                print('second', e.args[0].decode())
            p1.quit()
            p3 = poplib.POP3('127.0.0.1', PORT); p3.user('erin@example.com'); print('third', p3.pass_('pippo').decode()); p3.quit()
            """));
        Assert.Contains("first +OK Logged in.", output, StringComparison.Ordinal);
        Assert.Contains("second -ERR [IN-USE] Mailbox is locked by another POP3 session.", output, StringComparison.Ordinal);
        Assert.Contains("third +OK Logged in.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void User_names_with_dot_dot_or_a_map_result_leaving_the_base_never_escape_the_store()
    {
        var output = Ok(_s.Python("""
            for user in ['../evil@example.com', 'sneaky@example.com']:
                p = poplib.POP3('127.0.0.1', PORT); p.user(user)
                try:
                    p.pass_('pippo'); print(user, 'logged in')
                except poplib.error_proto as e:
                    print(user, e.args[0].decode())
                p.close()
            l = smtplib.LMTP('127.0.0.1', LMTP)
            try:
                print(l.sendmail('a@example.org', ['../evil@example.com', 'sneaky@example.com', 'x/../../y@example.com'], 'Subject: x\r\n\r\nx\r\n'))
            except smtplib.SMTPException as e:
                print('lmtp', e)
            """));
        Assert.DoesNotContain("logged in", output, StringComparison.Ordinal);
        Assert.Contains("-ERR [SYS/TEMP]", output, StringComparison.Ordinal);
        var parent = Path.GetDirectoryName(_s.Vmail)!;
        Assert.False(Directory.Exists(Path.Combine(parent, "outside")));
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(parent)!, "outside")));
        Assert.False(Directory.Exists(Path.Combine(_s.Vmail, "evil")));
        Assert.Equal(["example.com"], Directory.GetDirectories(_s.Vmail).Select(Path.GetFileName));
    }

    [Fact]
    public void An_idle_session_is_closed_after_pop3d_timeout_without_deleting()
    {
        Ok(_s.DeliverLmtp("Subject: idle\r\n\r\nx\r\n", "hank@example.com"));
        var output = Ok(_s.Python($"""
            p = poplib.POP3('127.0.0.1', {_s.IdlePort}); p.user('hank@example.com'); p.pass_('pippo'); p.dele(1)
            t = time.time(); line = p.file.readline(); print(line.decode().rstrip(), 'after %.1f' % (time.time() - t)); print('eof', p.file.readline())
            """));
        Assert.Contains("-ERR Disconnected for inactivity. after ", output, StringComparison.Ordinal);
        Assert.Contains("eof b''", output, StringComparison.Ordinal);
        Assert.NotEmpty(_s.MaildirFiles("hank"));
    }

    [Fact]
    public void An_mbox_user_gets_mail_over_LMTP_and_POP3_expunges_it_on_QUIT()
    {
        Ok(_s.DeliverLmtp("Subject: m1\r\n\r\nFrom here\r\n", "mboxer@localhost"));
        Ok(_s.DeliverLmtp("Subject: m2\r\n\r\nsecond\r\n", "mboxer@localhost"));
        var mbox = File.ReadAllText(Path.Combine(_s.Spool, "mboxer"));
        Assert.StartsWith("From sender@example.org ", mbox, StringComparison.Ordinal);
        Assert.Contains("Delivered-To: mboxer@localhost\nSubject: m1\n\n>From here\n", mbox, StringComparison.Ordinal);
        var output = Ok(_s.Python("""
            p = poplib.POP3('127.0.0.1', PORT); p.user('mboxer'); p.pass_('pippo')
            print(p.list()[1]); print('top', p.top(2, 0)[1]); print(p.retr(1)[1]); p.dele(1); print(p.quit().decode())
            """));
        Assert.Contains("top [b'Return-Path: <sender@example.org>', b'Delivered-To: mboxer@localhost', b'Subject: m2', b'']", output, StringComparison.Ordinal);
        Assert.Contains("b'>From here'", output, StringComparison.Ordinal);
        Assert.Contains("+OK Logging out, messages deleted.", output, StringComparison.Ordinal);
        var after = File.ReadAllText(Path.Combine(_s.Spool, "mboxer"));
        Assert.DoesNotContain("Subject: m1", after, StringComparison.Ordinal);
        Assert.Contains("Subject: m2", after, StringComparison.Ordinal);
    }
}
