using Posthorn.Protocols.Pop3;

namespace Posthorn.Protocols.Tests.Pop3;

public class Pop3SessionTests
{
    private const string Msg1 = "Subject: one\n\nfirst\n";
    private const string Msg3 = "Return-Path: <root@stud.cgri.edu>\r\nSubject: three\r\n\r\ntanti cari saluti da user1stud\r\n.hidden dot\r\n\r\nUser1Stud\r\n";

    private static (Pop3Session Session, MemoryMaildrop Drop, FakeBackend Backend) Create(Pop3SessionOptions? options = null, params string[] messages)
    {
        var drop = new MemoryMaildrop(messages.Length == 0 ? [Msg1, "Subject: two\r\n\r\nsecond\r\n", Msg3] : messages);
        var backend = new FakeBackend(drop);
        return (new Pop3Session(backend, options ?? new Pop3SessionOptions { Banner = "Dovecot ready.", StlsAvailable = true }), drop, backend);
    }

    private static string Crlf(params string[] lines) => string.Concat(lines.Select(l => l + "\r\n"));

    [Fact]
    public async Task Lecture_conversation_works_word_for_word()
    {
        var (session, drop, _) = Create();
        var sizes = drop.Messages.Select(m => m.Size).ToArray();
        var total = sizes.Sum();
        var output = await Pop3Driver.RunAsync(session, Crlf("AUTH", "CAPA", "AUTH PLAIN", "AHVzZXIxc2xkAHBpcHBv", "STAT", "LIST", "UIDL", "QUIT"));
        Assert.Equal(
            Crlf(
                "+OK Dovecot ready.",
                "+OK", "PLAIN", ".",
                "+OK", "CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "STLS", "USER", "SASL PLAIN", ".",
                "+ ",
                "+OK Logged in.",
                $"+OK 3 {total}",
                "+OK 3 messages:", $"1 {sizes[0]}", $"2 {sizes[1]}", $"3 {sizes[2]}", ".",
                "+OK", "1 0000000000000001", "2 0000000000000002", "3 0000000000000003", ".",
                "+OK Logging out."),
            output);
    }

    [Fact]
    public async Task Retr_answers_with_octets_and_dot_stuffs_the_message()
    {
        var (session, drop, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "RETR 3"));
        Assert.EndsWith(
            Crlf($"+OK {drop.Messages[2].Size} octets", "Return-Path: <root@stud.cgri.edu>", "Subject: three", "", "tanti cari saluti da user1stud", "..hidden dot", "", "User1Stud", "."),
            output);
    }

    [Fact]
    public async Task Retr_converts_bare_LF_to_CRLF()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "RETR 1"));
        Assert.EndsWith(Crlf("+OK 23 octets", "Subject: one", "", "first", "."), output);
    }

    [Fact]
    public async Task Top_sends_header_blank_line_and_n_body_lines()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "TOP 3 1", "TOP 3 0"));
        Assert.EndsWith(
            Crlf("+OK", "Return-Path: <root@stud.cgri.edu>", "Subject: three", "", "tanti cari saluti da user1stud", ".",
                 "+OK", "Return-Path: <root@stud.cgri.edu>", "Subject: three", "", "."),
            output);
    }

    [Fact]
    public async Task Dele_hides_the_message_and_quit_commits()
    {
        var (session, drop, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "DELE 2", "DELE 2", "RETR 2", "LIST 2", "STAT", "LIST", "QUIT"));
        Assert.Contains("+OK Marked to be deleted.\r\n-ERR Message is deleted.\r\n-ERR Message is deleted.\r\n-ERR Message is deleted.\r\n", output);
        Assert.Contains($"+OK 2 {drop.Messages[0].Size + drop.Messages[2].Size}\r\n", output);
        Assert.Contains("+OK 2 messages:\r\n1 ", output);
        Assert.EndsWith("+OK Logging out, messages deleted.\r\n", output);
        Assert.Equal([1], drop.CommittedDeleted);
        Assert.True(drop.Disposed);
    }

    [Fact]
    public async Task Rset_undeletes()
    {
        var (session, drop, _) = Create();
        await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "DELE 1", "RSET", "QUIT"));
        Assert.Empty(drop.CommittedDeleted);
    }

    [Fact]
    public async Task Abort_without_quit_deletes_nothing()
    {
        var (session, drop, _) = Create();
        await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "DELE 1"));
        await session.AbortAsync();
        Assert.Empty(drop.CommittedDeleted);
        Assert.True(drop.Disposed);
    }

    [Theory]
    [InlineData("RETR 4", "-ERR There's no message 4.")]
    [InlineData("RETR 0", "-ERR There's no message 0.")]
    [InlineData("RETR x", "-ERR Invalid message number: x")]
    [InlineData("RETR", "-ERR Invalid message number: ")]
    [InlineData("RETR 1x", "-ERR Noise after message number: x")]
    [InlineData("DELE 99999999999", "-ERR Message number too large: 99999999999")]
    [InlineData("TOP 1", "-ERR Invalid parameters.")]
    [InlineData("TOP 1 x", "-ERR Invalid size: x")]
    [InlineData("LIST 9", "-ERR There's no message 9.")]
    [InlineData("UIDL 2", "+OK 2 0000000000000002")]
    [InlineData("LIST 1", "+OK 1 23")]
    [InlineData("NOOP", "+OK")]
    [InlineData("FOO", "-ERR Unknown command: FOO")]
    [InlineData("PASS pippo", "-ERR Unknown command: PASS")]
    public async Task Transaction_replies(string command, string reply)
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", command));
        Assert.EndsWith(reply + "\r\n", output);
    }

    [Theory]
    [InlineData("STAT", "-ERR Unknown command: STAT")]
    [InlineData("XYZZY", "-ERR Unknown command.")]
    [InlineData("PASS pippo", "-ERR No username given.")]
    [InlineData("USER", "-ERR No username given.")]
    [InlineData("AUTH CRAM-MD5", "-ERR Unsupported authentication mechanism.")]
    [InlineData("AUTH PLAIN !!!", "-ERR Invalid base64 data in initial response")]
    [InlineData("AUTH PLAIN *", "-ERR Authentication aborted by client.")]
    [InlineData("APOP user1sld abc", "-ERR APOP is not enabled.")]
    [InlineData("STLS", "+OK Begin TLS negotiation now.")]
    [InlineData("QUIT", "+OK Logging out.")]
    public async Task Authorization_replies(string command, string reply)
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf(command));
        Assert.EndsWith(reply + "\r\n", output);
    }

    [Fact]
    public async Task Wrong_password_gets_auth_response_code()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS wrong", "AUTH PLAIN AHVzZXIxc2xkAHdyb25n"));
        Assert.EndsWith("+OK\r\n-ERR [AUTH] Authentication failed.\r\n-ERR [AUTH] Authentication failed.\r\n", output);
        Assert.Equal(Pop3State.Authorization, session.State);
    }

    [Fact]
    public async Task Locked_maildrop_gets_in_use()
    {
        var (session, _, backend) = Create();
        backend.Locked = true;
        var output = await Pop3Driver.RunAsync(session, Crlf("AUTH PLAIN AHVzZXIxc2xkAHBpcHBv"));
        Assert.EndsWith("-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n", output);
    }

    [Fact]
    public async Task Auth_with_initial_response_logs_in()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("AUTH PLAIN AHVzZXIxc2xkAHBpcHBv"));
        Assert.EndsWith("+OK Logged in.\r\n", output);
    }

    [Fact]
    public async Task Auth_login_prompts_for_user_and_password()
    {
        var (session, _, _) = Create(new Pop3SessionOptions { SaslMechanisms = ["PLAIN", "LOGIN"] });
        var output = await Pop3Driver.RunAsync(session, Crlf("AUTH LOGIN", "dXNlcjFzbGQ=", "cGlwcG8="));
        Assert.EndsWith("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK Logged in.\r\n", output);
    }

    [Fact]
    public async Task Star_cancels_auth()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("AUTH PLAIN", "*", "NOOP"));
        Assert.EndsWith("+ \r\n-ERR Authentication aborted by client.\r\n+OK\r\n", output);
    }

    [Fact]
    public async Task Apop_logs_in_with_md5_of_timestamp_and_secret()
    {
        const string ts = "<1896.697170952@dbc.mtview.ca.us>";
        var (session, _, _) = Create(new Pop3SessionOptions { ApopTimestamp = ts });
        var digest = Pop3Apop.Digest(ts, "pippo");
        var output = await Pop3Driver.RunAsync(session, Crlf("APOP user1sld " + digest));
        Assert.Equal($"+OK Posthorn ready. {ts}\r\n+OK Logged in.\r\n", output);
    }

    [Fact]
    public void Apop_digest_matches_rfc1939_example() =>
        Assert.Equal("c4c9334bac560ecc979e58001b3e22fb", Pop3Apop.Digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"));

    [Fact]
    public async Task Plaintext_is_refused_without_tls_when_disallowed()
    {
        var options = new Pop3SessionOptions { AllowPlaintextWithoutTls = false, StlsAvailable = true };
        var (session, _, _) = Create(options);
        var output = await Pop3Driver.RunAsync(session, Crlf("CAPA", "USER user1sld", "AUTH"));
        Assert.Contains("PIPELINING\r\nSTLS\r\n.\r\n", output);
        Assert.Contains("-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n", output);
        Assert.EndsWith("+OK\r\n.\r\n", output);
        session.TlsStarted();
        var after = await Pop3Driver.RunAsync(session, Crlf("CAPA", "STLS"));
        Assert.Contains("PIPELINING\r\nUSER\r\nSASL PLAIN\r\n.\r\n", after);
        Assert.EndsWith("-ERR TLS is already active.\r\n", after);
    }

    [Fact]
    public async Task Capa_in_transaction_omits_login_capabilities()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "CAPA"));
        Assert.EndsWith("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\n.\r\n", output);
    }

    [Fact]
    public async Task Storage_failure_on_quit_gets_sys_temp()
    {
        var (session, drop, _) = Create();
        drop.FailCommit = true;
        var output = await Pop3Driver.RunAsync(session, Crlf("USER user1sld", "PASS pippo", "QUIT"));
        Assert.EndsWith("-ERR [SYS/TEMP] Storage error during logout.\r\n", output);
    }

    [Fact]
    public async Task Closes_after_too_many_bad_commands()
    {
        var (session, _, _) = Create(new Pop3SessionOptions { MaxBadCommands = 3 });
        var output = await Pop3Driver.RunAsync(session, Crlf("X", "X", "X", "NOOP"));
        Assert.Equal(Pop3State.Closed, session.State);
        Assert.DoesNotContain("+OK\r\n", output.Replace("+OK Posthorn ready.\r\n", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public async Task Works_when_fed_in_small_chunks_with_bare_LF(int chunk)
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, "user user1sld\npass pippo\nstat\nquit\n", chunk);
        Assert.EndsWith("+OK\r\n+OK Logged in.\r\n+OK 3 " + (23 + 24 + Msg3.Length) + "\r\n+OK Logging out.\r\n", output);
    }

    [Fact]
    public async Task Overlong_line_is_answered_and_the_session_resynchronises()
    {
        var (session, _, _) = Create();
        var output = await Pop3Driver.RunAsync(session, "NOOP " + new string('x', 300) + "\r\nNOOP\r\n", chunk: 16, maxLine: 255);
        Assert.EndsWith("-ERR Line too long.\r\n+OK\r\n", output);
    }
}
