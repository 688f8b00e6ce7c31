using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>imapd against Python's imaplib: login, fetch, search, store, append, expunge, IDLE, LIST, restart.</summary>
[Collection("imapd")]
public sealed class ImapdEndToEndTests(ImapdSystem imap) : IClassFixture<ImapdSystem>
{
    internal const string Simple = "From: Bob Example <bob@example.org>\nTo: u1@example.com\nSubject: Lunch plans\nDate: Tue, 03 Nov 2026 10:00:00 +0000\nMessage-ID: <lunch@example.org>\n\nShall we meet at noon?\nBob\n";

    internal const string Multipart = """
        From: Carol <carol@example.net>
        To: u2@example.com
        Subject: Report
        Date: Wed, 04 Nov 2026 12:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        This is a multi-part message in MIME format.
        --outer
        Content-Type: multipart/alternative; boundary="inner"

        --inner
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Hello, the report is attached. Caf=C3=A9.
        --inner
        Content-Type: text/html; charset=utf-8

        <p>Hello, the report is attached.</p>
        --inner--
        --outer
        Content-Type: application/pdf; name="report.pdf"
        Content-Disposition: attachment; filename="report.pdf"
        Content-Transfer-Encoding: base64

        JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK
        --outer--

        """;

    private static string Crlf(string lf) => lf.Replace("\r\n", "\n").Replace("\n", "\r\n");

    [Fact]
    public void Login_select_and_fetch_headers_only_and_full_body()
    {
        imap.Deliver("u1", Simple);
        var expected = Crlf(Simple);
        var header = expected[..(expected.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        File.WriteAllText(Path.Combine(imap.ScratchDir, "u1.expected"), expected);
        imap.PythonOk($$"""
            m = login('u1')
            typ, data = m.select('INBOX')
            assert typ == 'OK' and data == [b'1'], data
            typ, data = m.fetch('1', '(BODY.PEEK[HEADER])')
            assert data[0][1] == {{PyBytes(header)}}, data
            typ, data = m.fetch('1', '(FLAGS)')
            assert b'\\Seen' not in data[0], data
            typ, data = m.fetch('1', '(RFC822.SIZE BODY[])')
            full = open('{{imap.ScratchDir}}/u1.expected', 'rb').read()
            assert data[0][1] == full, data
            assert b'RFC822.SIZE %d' % len(full) in data[0][0], data
            assert b'\\Seen' in data[0][0] or b'\\Seen' in data[1], data
            typ, data = m.fetch('1', '(ENVELOPE)')
            assert b'"Lunch plans"' in data[0] and b'("Bob Example" NIL "bob" "example.org")' in data[0], data
            m.logout()
            """);
    }

    [Fact]
    public void Bodystructure_of_a_multipart_message_agrees_with_MimeKit()
    {
        imap.Deliver("u2", Multipart);
        var output = imap.PythonOk("""
            m = login('u2')
            m.select('INBOX')
            typ, data = m.fetch('1', '(BODYSTRUCTURE)')
            print(data[0].decode())
            m.logout()
            """);
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(Crlf(Multipart))));
        var leaves = Regex.Matches(output, "\\(\"([a-z]+)\" \"([a-z-]+)\" (?:\\([^)]*\\)|NIL) (?:NIL|\"[^\"]*\") (?:NIL|\"[^\"]*\") \"([a-z0-9-]+)\" (\\d+)", RegexOptions.IgnoreCase)
            .Select(m => (m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value.ToLowerInvariant(), m.Groups[3].Value.ToLowerInvariant(), long.Parse(m.Groups[4].Value)))
            .ToList();
        var expected = message.BodyParts.OfType<MimePart>()
            .Select(p => (p.ContentType.MediaType.ToLowerInvariant(), p.ContentType.MediaSubtype.ToLowerInvariant(),
                (p.Headers[HeaderId.ContentTransferEncoding] ?? "7bit").Trim().ToLowerInvariant(), p.Content!.Stream!.Length))
            .ToList();
        Assert.Equal(expected, leaves);
        Assert.Contains("\"alternative\"", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"mixed\"", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("(\"attachment\" (\"filename\" \"report.pdf\"))", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_fetch_returns_the_requested_octets()
    {
        imap.Deliver("u3", Multipart);
        var full = Crlf(Multipart);
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(full)));
        imap.PythonOk($$"""
            m = login('u3')
            m.select('INBOX', readonly=True)
            typ, data = m.fetch('1', '(BODY.PEEK[]<10.20>)')
            assert data[0][0].endswith(b'BODY[]<10> {20}'), data
            assert data[0][1] == {{PyBytes(full.Substring(10, 20))}}, data
            typ, data = m.fetch('1', '(BODY.PEEK[1.1]<0.5>)')
            assert data[0][1] == b'Hello', data
            typ, data = m.fetch('1', '(BODY.PEEK[2]<10000.5>)')
            assert b'BODY[2]<10000> ""' in data[0], data
            typ, data = m.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])')
            assert data[0][1] == b'From: Carol <carol@example.net>\r\nSubject: Report\r\n\r\n', data
            m.logout()
            """);
        Assert.NotNull(message);
    }

    [Fact]
    public void Search_combines_from_subject_unseen_or_not_and_since()
    {
        imap.Deliver("u4", "From: ann@example.org\nSubject: alpha report\nDate: Mon, 02 Nov 2026 09:00:00 +0000\n\none\n", arrival: new DateTimeOffset(2026, 1, 10, 9, 0, 0, TimeSpan.Zero));
        imap.Deliver("u4", "From: ben@example.org\nSubject: beta news\nDate: Mon, 02 Nov 2026 09:00:00 +0000\n\ntwo\n", arrival: new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        imap.Deliver("u4", "From: ann@example.org\nSubject: gamma report\nDate: Mon, 02 Nov 2026 09:00:00 +0000\n\nthree\n", arrival: new DateTimeOffset(2026, 6, 10, 9, 0, 0, TimeSpan.Zero));
        imap.Deliver("u4", "From: cid@example.org\nSubject: delta\nDate: Mon, 02 Nov 2026 09:00:00 +0000\n\nfour report\n", arrival: new DateTimeOffset(2026, 9, 10, 9, 0, 0, TimeSpan.Zero));
        imap.PythonOk("""
            m = login('u4')
            m.select('INBOX')
            m.store('2', '+FLAGS', '(\\Seen)')
            def s(*q):
                typ, data = m.search(None, *q)
                assert typ == 'OK', data
                return data[0].decode()
            assert s('FROM', 'ann') == '1 3', s('FROM', 'ann')
            assert s('SUBJECT', 'report') == '1 3'
            assert s('UNSEEN') == '1 3 4', s('UNSEEN')
            assert s('OR', 'FROM', 'ben', 'FROM', 'cid') == '2 4'
            assert s('NOT', 'FROM', 'ann') == '2 4'
            assert s('SINCE', '1-Jun-2026') == '3 4', s('SINCE', '1-Jun-2026')
            assert s('FROM', 'ann', 'SINCE', '1-Feb-2026') == '3'
            assert s('UNSEEN', 'NOT', 'SUBJECT', 'report') == '4'
            assert s('BODY', 'report') == '4'
            assert s('TEXT', 'report') == '1 3 4'
            typ, data = m.uid('SEARCH', 'OR', 'SUBJECT', 'beta', 'SUBJECT', 'delta')
            assert data[0] == b'2 4', data
            typ, data = m.search('X-UNKNOWN', 'ALL')
            assert typ == 'NO' and b'BADCHARSET' in data[0], data
            m.logout()
            """);
    }

    [Fact]
    public void Flags_stored_in_one_session_are_seen_by_a_second()
    {
        imap.Deliver("u5", Simple);
        imap.Deliver("u5", Simple);
        imap.PythonOk("""
            a = login('u5'); a.select('INBOX')
            b = login('u5'); b.select('INBOX')
            typ, data = a.store('1', '+FLAGS', '(\\Flagged \\Answered)')
            assert b'\\Flagged' in data[0] and b'\\Answered' in data[0], data
            typ, data = a.store('2', '+FLAGS.SILENT', '(\\Seen)')
            assert data == [None], data
            typ, data = b.noop()
            fetches = b.response('FETCH')[1]
            assert any(x and b'\\Flagged' in x for x in fetches), fetches
            typ, data = b.fetch('1:2', '(FLAGS)')
            assert b'\\Flagged' in data[0] and b'\\Seen' in data[1], data
            a.store('1', '-FLAGS', '(\\Flagged)')
            c = login('u5'); c.select('INBOX', readonly=True)
            typ, data = c.fetch('1', '(FLAGS)')
            assert b'\\Flagged' not in data[0] and b'\\Answered' in data[0], data
            for x in (a, b, c): x.logout()
            """);
    }

    [Fact]
    public void Append_then_fetch_round_trips_with_appenduid()
    {
        imap.PythonOk("""
            m = login('u6')
            msg = b'From: me@example.com\r\nSubject: draft\r\n\r\nWork in progress\r\n'
            typ, data = m.append('Drafts', '(\\Draft \\Seen)', imaplib.Time2Internaldate(time.mktime((2026, 5, 1, 12, 0, 0, 0, 0, -1))), msg)
            assert typ == 'OK', data
            code = re.search(rb'\[APPENDUID (\d+) (\d+)\]', data[0])
            assert code, data
            validity, uid = code.group(1), code.group(2)
            typ, data = m.status('Drafts', '(MESSAGES UIDVALIDITY UIDNEXT)')
            assert b'MESSAGES 1' in data[0] and b'UIDVALIDITY ' + validity in data[0] and b'UIDNEXT %d' % (int(uid) + 1) in data[0], data
            m.select('Drafts')
            typ, data = m.uid('FETCH', uid, '(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])')
            assert data[0][1] == msg, data
            assert b'\\Draft' in data[0][0] and b'\\Seen' in data[0][0], data
            assert b'RFC822.SIZE %d' % len(msg) in data[0][0], data
            assert b'" 1-May-2026 ' in data[0][0], data
            typ, data = m.append('NoSuchFolder', None, None, msg)
            assert typ == 'NO' and b'TRYCREATE' in data[0], data
            m.logout()
            """);
    }

    [Fact]
    public void Expunge_in_one_session_is_reported_to_a_concurrent_session()
    {
        for (int i = 0; i < 3; i++)
            imap.Deliver("u7", Simple.Replace("Lunch plans", "Message " + i));
        imap.PythonOk("""
            a = login('u7'); a.select('INBOX')
            b = login('u7'); b.select('INBOX')
            a.store('2', '+FLAGS', '(\\Deleted)')
            typ, data = a.expunge()
            assert data == [b'2'], data
            typ, data = b.fetch('2', '(FLAGS)')   # no EXPUNGE during FETCH (RFC 3501 7.4.1)
            assert b.response('EXPUNGE')[1] == [None], b.response('EXPUNGE')
            typ, data = b.noop()
            assert b.response('EXPUNGE')[1] == [b'2'], b.untagged_responses
            typ, data = b.fetch('1:*', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
            subjects = [d[1] for d in data if isinstance(d, tuple)]
            assert subjects == [b'Subject: Message 0\r\n\r\n', b'Subject: Message 2\r\n\r\n'], data
            a.logout(); b.logout()
            """);
    }

    [Fact]
    public void Idle_is_woken_by_a_delivery_within_a_second()
    {
        imap.Deliver("u8", Simple);
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var path = Path.Combine(imap.ScratchDir, "idle.py");
        File.WriteAllText(path, imap.Prelude + """
            m = login('u8')
            m.select('INBOX')
            tag = m._new_tag()
            m.send(tag + b' IDLE\r\n')
            line = m.readline()
            assert line.startswith(b'+'), line
            print('IDLING', flush=True)
            sys.stdin.readline()
            start = time.monotonic()
            m.sock.settimeout(5)
            line = m.readline()
            elapsed = time.monotonic() - start
            print('GOT', line.strip().decode(), '%.3f' % elapsed, flush=True)
            m.send(b'DONE\r\n')
            line = m.readline()
            while line.startswith(b'* '):
                line = m.readline()
            assert line.startswith(tag + b' OK'), line
            m.logout()
            """);
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        Assert.Equal("IDLING", p.StandardOutput.ReadLine());
        imap.Deliver("u8", Simple.Replace("Lunch plans", "New mail"));
        p.StandardInput.WriteLine("go");
        p.StandardInput.Flush();
        var got = p.StandardOutput.ReadLine() ?? "";
        Assert.True(p.WaitForExit(20_000));
        Assert.True(p.ExitCode == 0, got + p.StandardError.ReadToEnd());
        Assert.StartsWith("GOT * 2 EXISTS", got, StringComparison.Ordinal);
        var seconds = double.Parse(got.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(seconds < 1.0, got);
    }

    [Fact]
    public void Uids_stay_the_same_after_a_master_restart()
    {
        for (int i = 0; i < 3; i++)
            imap.Deliver("u9", Simple.Replace("Lunch plans", "Keep " + i));
        const string Script = """
            m = login('u9')
            m.select('INBOX')
            m.append('INBOX', None, None, b'Subject: appended\r\n\r\nx\r\n')
            typ, data = m.fetch('1:*', '(UID)')
            print(m.untagged_responses.get('UIDVALIDITY'), [d.decode() for d in data])
            m.logout()
            """;
        var before = imap.PythonOk(Script);
        imap.Stop();
        imap.Start();
        var after = imap.PythonOk(Script.Replace("m.append('INBOX', None, None, b'Subject: appended\\r\\n\\r\\nx\\r\\n')", "pass"));
        Assert.Equal(before, after);
        Assert.Contains("4 (UID 4)", after, StringComparison.Ordinal);
    }

    [Fact]
    public void List_shows_special_use_folders_of_a_new_user()
    {
        var output = imap.PythonOk("""
            m = login('u10')
            typ, data = m.list('""', '*')
            for d in data: print(d.decode())
            typ, data = m.lsub('""', '*')
            print('LSUB', len(data))
            m.create('Projects.2026')
            typ, data = m.list('""', '%')
            for d in data: print('%', d.decode())
            m.logout()
            """);
        Assert.Contains("(\\HasNoChildren) \".\" \"INBOX\"", output, StringComparison.Ordinal);
        Assert.Contains("(\\HasNoChildren \\Sent) \".\" \"Sent\"", output, StringComparison.Ordinal);
        Assert.Contains("(\\HasNoChildren \\Drafts) \".\" \"Drafts\"", output, StringComparison.Ordinal);
        Assert.Contains("(\\HasNoChildren \\Trash) \".\" \"Trash\"", output, StringComparison.Ordinal);
        Assert.Contains("(\\HasNoChildren \\Junk) \".\" \"Junk\"", output, StringComparison.Ordinal);
        Assert.Contains("LSUB 5", output, StringComparison.Ordinal);
        Assert.Contains("% (\\Noselect \\HasChildren) \".\" \"Projects\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Projects.2026", output.Split('\n').Where(l => l.StartsWith('%')).Aggregate("", (a, b) => a + b), StringComparison.Ordinal);
    }

    [Fact]
    public void Mailbox_names_that_would_leave_the_store_are_refused()
    {
        var output = imap.PythonOk("""
            m = login('u11')
            for name in ['"../u12"', '"a..b"', '"a/b"', '"/etc"', '".hidden"', '"~root"', '"Sent/../../u12"']:
                for cmd in ('CREATE', 'SELECT', 'DELETE'):
                    typ, data = m._simple_command(cmd, name)
                    print(cmd, name, typ, data)
                    assert typ in ('NO', 'BAD'), (cmd, name, typ, data)
            typ, data = m.rename('Sent', '../u12/x')
            assert typ == 'NO', data
            m.logout()
            """);
        Assert.Contains("CREATE \"../u12\" NO", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(imap.MaildirOf("u12")), "a folder was made outside the user's store");
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(imap.VmailDir, "*", SearchOption.AllDirectories),
            p => p.Contains("hidden", StringComparison.Ordinal) || p.Contains("etc", StringComparison.Ordinal));
    }

    [Fact]
    public void Copy_and_move_report_copyuid_and_authenticate_plain_works()
    {
        imap.Deliver("u13", Simple);
        imap.Deliver("u13", Simple.Replace("Lunch plans", "Second"));
        imap.PythonOk("""
            m = imaplib.IMAP4('127.0.0.1', PORT)
            import base64
            typ, data = m.authenticate('PLAIN', lambda _: b'\0u13@example.com\0secret')
            assert typ == 'OK', data
            m.select('INBOX')
            typ, data = m.copy('1', 'Trash')
            assert typ == 'OK' and b'COPYUID' in data[0], data
            typ, data = m._simple_command('MOVE', '2', 'Junk')
            assert typ == 'OK', data
            assert m.response('EXPUNGE')[1] == [b'2'], m.untagged_responses
            typ, data = m.status('Junk', '(MESSAGES)')
            assert b'MESSAGES 1' in data[0], data
            typ, data = m.status('INBOX', '(MESSAGES)')
            assert b'MESSAGES 1' in data[0], data
            m.logout()
            n = imaplib.IMAP4('127.0.0.1', PORT)
            try:
                n.login('u13@example.com', 'wrong')
                assert False
            except imaplib.IMAP4.error as e:
                assert 'AUTHENTICATIONFAILED' in str(e), e
            n.logout()
            """);
    }

    private static string PyBytes(string s)
    {
        var sb = new StringBuilder("b'");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\'' => "\\'",
                '\\' => "\\\\",
                _ => c.ToString(),
            });
        }
        return sb.Append('\'').ToString();
    }
}
