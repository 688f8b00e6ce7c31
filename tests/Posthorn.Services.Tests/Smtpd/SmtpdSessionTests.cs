using Posthorn.Core.Queue;
using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Smtpd;

public sealed class SmtpdSessionTests
{
    private static async Task<string> Greet(SmtpdClient c) => (await c.ReadReplyAsync())!;

    [Fact]
    public async Task Lecture_conversation_is_queued_after_commit()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        Assert.Equal("220 mail.example.com ESMTP Posthorn", await Greet(c));
        Assert.Equal("250 mail.example.com", await c.CommandAsync("HELO client.example.org"));
        Assert.Equal("250 2.1.0 Ok", await c.CommandAsync("MAIL FROM:<alice@example.org>"));
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.Equal("354 End data with <CR><LF>.<CR><LF>", await c.CommandAsync("DATA"));
        await c.SendAsync("Subject: hello\r\n\r\nHi Bob.\r\n..dot\r\n");
        var queued = await c.CommandAsync(".");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", queued);
        Assert.Equal("221 2.0.0 Bye", await c.CommandAsync("QUIT"));
        await c.Run;
        var id = queued!["250 2.0.0 Ok: queued as ".Length..];
        var file = Assert.Single(f.Files());
        Assert.EndsWith(id, file);
        var read = QueueFileReader.Read(file);
        Assert.True(read.Ok, read.Error);
        Assert.Equal("alice@example.org", read.File!.Sender);
        Assert.Equal("bob@example.com", Assert.Single(read.File.Recipients).Address);
        using var content = new StreamReader(read.File.OpenContent());
        var text = content.ReadToEnd();
        Assert.StartsWith("Received: from client.example.org (localhost [127.0.0.1])", text);
        Assert.Contains("\r\nSubject: hello\r\n", text);
        Assert.EndsWith("\r\n\r\nHi Bob.\r\n.dot\r\n", text);
        var log = f.Log;
        Assert.Contains("smtpd[", log);
        Assert.Contains("connect from localhost[127.0.0.1]", log);
        Assert.Contains($"{id}: client=localhost[127.0.0.1]", log);
        Assert.Contains($"{id}: message-id=<", log);
        Assert.Contains("disconnect from localhost[127.0.0.1] helo=1 mail=1 rcpt=1 data=1 quit=1 commands=5", log);
    }

    [Fact]
    public async Task Ehlo_announces_every_keyword_in_Postfix_order()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        Assert.Equal(string.Join("\n", "250-mail.example.com", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY", "250-ETRN",
            "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"), await c.CommandAsync("EHLO client"));
    }

    [Fact]
    public async Task Ehlo_leaves_out_discarded_keywords_and_disabled_vrfy()
    {
        using var f = new SmtpdFixture("smtpd_discard_ehlo_keywords = chunking, dsn\ndisable_vrfy_command = yes");
        await using var c = f.Connect();
        await Greet(c);
        var ehlo = await c.CommandAsync("EHLO client");
        Assert.DoesNotContain("CHUNKING", ehlo);
        Assert.DoesNotContain("DSN", ehlo);
        Assert.DoesNotContain("VRFY", ehlo);
        Assert.Equal("502 5.5.1 VRFY command is disabled", await c.CommandAsync("VRFY bob"));
        Assert.Contains("discarding EHLO keywords: DSN CHUNKING", f.Log);
    }

    [Fact]
    public async Task Pipelined_commands_get_their_replies_in_order()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.SendAsync("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n");
        Assert.Equal("250 2.1.0 Ok", await c.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await c.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await c.ReadReplyAsync());
        Assert.StartsWith("354", await c.ReadReplyAsync());
        await c.SendAsync("Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as", await c.ReadReplyAsync());
        Assert.Equal("221 2.0.0 Bye", await c.ReadReplyAsync());
        await c.Run;
        Assert.Equal(2, QueueFileReader.Read(Assert.Single(f.Files())).File!.Recipients.Count);
    }

    [Fact]
    public async Task Relay_is_refused_for_clients_outside_mynetworks()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect("192.0.2.7");
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("554 5.7.1 <x@elsewhere.example>: Relay access denied", await c.CommandAsync("RCPT TO:<x@elsewhere.example>"));
        Assert.Equal("250 2.1.5 Ok", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        var log = f.Log;
        Assert.True(log.Contains("NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 554 5.7.1 <x@elsewhere.example>: Relay access denied", StringComparison.Ordinal), log);
    }

    [Fact]
    public async Task Size_parameter_over_message_size_limit_gets_552()
    {
        using var f = new SmtpdFixture("message_size_limit = 1000");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", await c.CommandAsync("MAIL FROM:<a@example.org> SIZE=5000"));
    }

    [Fact]
    public async Task Oversize_data_gets_552_and_nothing_is_queued()
    {
        using var f = new SmtpdFixture("message_size_limit = 1000");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        await c.CommandAsync("RCPT TO:<bob@example.com>");
        await c.CommandAsync("DATA");
        await c.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 50)));
        Assert.Equal("552 5.3.4 Error: message file too big", await c.CommandAsync("."));
        Assert.Equal("250 2.0.0 Ok", await c.CommandAsync("NOOP"));
        Assert.Empty(f.Files());
    }

    [Fact]
    public async Task Client_vanishing_mid_DATA_leaves_nothing_queued()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        await c.CommandAsync("RCPT TO:<bob@example.com>");
        await c.CommandAsync("DATA");
        await c.SendAsync("Subject: half\r\n\r\nsome text\r\n");
        await c.CloseAsync();
        await c.Run;
        Assert.Empty(f.Files());
        var log = f.Log;
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(log, @"lost connection after DATA \(\d+ bytes\) from localhost\[127\.0\.0\.1\]"), log);
    }

    [Fact]
    public async Task Idle_client_gets_421_timeout()
    {
        using var f = new SmtpdFixture("smtpd_timeout = 1s");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        Assert.Equal("421 4.4.2 mail.example.com Error: timeout exceeded", await c.ReadReplyAsync());
        await c.Run;
        Assert.Contains("timeout after EHLO from localhost[127.0.0.1]", f.Log);
    }

    [Fact]
    public async Task Hard_error_limit_disconnects_with_421()
    {
        using var f = new SmtpdFixture("smtpd_hard_error_limit = 3");
        await using var c = f.Connect();
        await Greet(c);
        for (int i = 0; i < 3; i++)
            Assert.Equal("500 5.5.2 Error: command not recognized", await c.CommandAsync("BOGUS"));
        Assert.Equal("421 4.7.0 mail.example.com Error: too many errors", await c.ReadReplyAsync());
        await c.Run;
        Assert.Contains("too many errors after UNKNOWN from localhost[127.0.0.1]", f.Log);
        Assert.Contains("unknown=0/3 commands=0/3", f.Log);
    }

    [Fact]
    public async Task Bare_LF_command_is_rejected_with_reject_policy()
    {
        using var f = new SmtpdFixture("smtpd_forbid_bare_newline = reject\nsmtpd_forbid_bare_newline_exclusions =");
        await using var c = f.Connect();
        await Greet(c);
        await c.SendAsync("EHLO client\n");
        Assert.Equal("550 5.5.2 mail.example.com Error: bare <LF> received", await c.ReadReplyAsync());
        await c.Run;
    }

    [Fact]
    public async Task Bare_LF_is_allowed_for_clients_in_the_exclusions()
    {
        using var f = new SmtpdFixture("smtpd_forbid_bare_newline = reject");
        await using var c = f.Connect();
        await Greet(c);
        await c.SendAsync("EHLO client\n");
        Assert.StartsWith("250-mail.example.com", await c.ReadReplyAsync());
    }

    [Fact]
    public async Task Bare_LF_in_DATA_is_rejected_and_nothing_queued()
    {
        using var f = new SmtpdFixture("smtpd_forbid_bare_newline = reject\nsmtpd_forbid_bare_newline_exclusions =");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        await c.CommandAsync("RCPT TO:<bob@example.com>");
        await c.CommandAsync("DATA");
        await c.SendAsync("Subject: x\r\n\r\nbare\nline\r\n");
        Assert.Equal("550 5.5.2 mail.example.com Error: bare <LF> received", await c.CommandAsync("."));
        Assert.Empty(f.Files());
    }

    [Fact]
    public async Task Bdat_chunks_are_queued()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        await c.CommandAsync("RCPT TO:<bob@example.com>");
        var part1 = "Subject: chunked\r\n\r\n";
        var part2 = "line one\r\nline two\r\n";
        await c.SendAsync($"BDAT {part1.Length}\r\n{part1}");
        Assert.Equal($"250 2.0.0 Ok: {part1.Length} bytes", await c.ReadReplyAsync());
        await c.SendAsync($"BDAT {part2.Length} LAST\r\n{part2}");
        Assert.StartsWith($"250 2.0.0 Ok: {part1.Length + part2.Length} bytes queued as ", await c.ReadReplyAsync());
        var file = QueueFileReader.Read(Assert.Single(f.Files())).File!;
        using var content = new StreamReader(file.OpenContent());
        var text = content.ReadToEnd();
        Assert.Contains("Subject: chunked\r\n", text);
        Assert.EndsWith("\r\n\r\nline one\r\nline two\r\n", text);
    }

    [Fact]
    public async Task Vrfy_answers_252_and_rejects_unknown_local_users()
    {
        var dir = Directory.CreateTempSubdirectory("smtpd-users").FullName;
        File.WriteAllText(Path.Combine(dir, "users"), "bob ok\n");
        using var f = new SmtpdFixture($"local_recipient_maps = inline:{{bob=ok}}");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        Assert.Equal("252 2.0.0 bob@example.com", await c.CommandAsync("VRFY bob@example.com"));
        Assert.Equal("550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table",
            await c.CommandAsync("VRFY nobody@example.com"));
    }

    [Fact]
    public async Task Etrn_without_a_queue_manager_is_458_and_with_one_starts_the_queue()
    {
        using var f = new SmtpdFixture("smtpd_etrn_restrictions = permit_mynetworks, reject\nfast_flush_domains = example.org");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO client");
        Assert.Equal("458 Unable to queue messages", await c.CommandAsync("ETRN example.org"));
        var trigger = new RecordingTrigger();
        f.Directory.Register<IQmgrTrigger>("qmgr", trigger);
        Assert.Equal("250 Queuing started", await c.CommandAsync("ETRN example.org"));
        Assert.Equal(['F'], trigger.Requests);
        Assert.Equal("501 Error: invalid parameter syntax", await c.CommandAsync("ETRN bad!name"));
        Assert.Equal("459 <other.example>: service unavailable", await c.CommandAsync("ETRN other.example"));
    }

    [Fact]
    public async Task Queued_message_triggers_qmgr_incoming_scan()
    {
        using var f = new SmtpdFixture();
        var trigger = new RecordingTrigger();
        f.Directory.Register<IQmgrTrigger>("qmgr", trigger);
        await using var c = f.Connect();
        await Greet(c);
        await c.SendAsync("HELO x\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n");
        for (int i = 0; i < 4; i++)
            await c.ReadReplyAsync();
        Assert.StartsWith("250 2.0.0 Ok: queued as", await c.CommandAsync("\r\n."));
        Assert.Equal(['I'], trigger.Requests);
    }

    [Fact]
    public async Task Talking_before_the_greeting_is_refused_with_forbid_unauth_pipelining()
    {
        using var f = new SmtpdFixture("smtpd_forbid_unauth_pipelining = yes");
        await using var c = new SmtpdClientEarly(f);
        var reply = await c.Client.ReadReplyAsync();
        Assert.Equal("554 5.5.0 Error: SMTP protocol synchronization", reply);
        Assert.Contains("improper command pipelining after CONNECT from localhost[127.0.0.1]: EHLO x\\r\\n", f.Log);
    }

    [Fact]
    public async Task Pipelining_after_HELO_is_flagged_and_refused_when_forbidden()
    {
        using var f = new SmtpdFixture("smtpd_forbid_unauth_pipelining = yes");
        await using var c = f.Connect();
        await Greet(c);
        await c.SendAsync("HELO x\r\nMAIL FROM:<a@example.org>\r\n");
        Assert.Equal("554 5.5.0 Error: SMTP protocol synchronization", await c.ReadReplyAsync());
    }

    [Fact]
    public async Task Connection_count_limit_gives_421()
    {
        using var f = new SmtpdFixture("smtpd_client_connection_count_limit = 1\nsmtpd_client_event_limit_exceptions =");
        await using var first = f.Connect("192.0.2.9");
        await Greet(first);
        await using var second = f.Connect("192.0.2.9");
        Assert.Equal("421 4.7.0 mail.example.com Error: too many connections from 192.0.2.9", await second.ReadReplyAsync());
        Assert.Contains("warning: Connection concurrency limit exceeded: 2 from unknown[192.0.2.9] for service smtp", f.Log);
    }

    [Fact]
    public async Task Queue_minfree_shortage_gives_452()
    {
        using var f = new SmtpdFixture("queue_minfree = 1000000");
        f.Server.FreeSpace = () => 500_000;
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO x");
        Assert.Equal("452 4.3.1 Insufficient system storage", await c.CommandAsync("MAIL FROM:<a@example.org>"));
    }

    [Fact]
    public async Task Header_checks_reject_discard_and_hold()
    {
        var dir = Directory.CreateTempSubdirectory("smtpd-hc").FullName;
        File.WriteAllText(Path.Combine(dir, "hc"), "/^Subject: reject/ REJECT no thanks\n/^Subject: discard/ DISCARD\n/^Subject: hold/ HOLD\n");
        using var f = new SmtpdFixture($"header_checks = regexp:{dir}/hc");
        await using var c = f.Connect();
        await Greet(c);
        await c.CommandAsync("EHLO x");
        async Task<string?> Send(string subject)
        {
            await c.CommandAsync("MAIL FROM:<a@example.org>");
            await c.CommandAsync("RCPT TO:<bob@example.com>");
            await c.CommandAsync("DATA");
            await c.SendAsync($"Subject: {subject}\r\n\r\nbody\r\n");
            return await c.CommandAsync(".");
        }
        Assert.Equal("550 5.7.1 no thanks", await Send("reject me"));
        Assert.StartsWith("250 2.0.0 Ok: queued as", await Send("discard me"));
        Assert.Empty(f.Files());
        Assert.StartsWith("250 2.0.0 Ok: queued as", await Send("hold me"));
        Assert.Empty(f.Files());
        Assert.Single(f.Files(QueueNames.Hold));
    }

    [Fact]
    public async Task Access_denied_at_connect_without_delay_reject_answers_503_afterwards()
    {
        using var f = new SmtpdFixture("smtpd_delay_reject = no\nsmtpd_client_restrictions = reject");
        await using var c = f.Connect();
        Assert.Equal("554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied", await Greet(c));
        Assert.Equal("503 5.7.0 Error: access denied for localhost[127.0.0.1]", await c.CommandAsync("HELO x"));
        Assert.Equal("221 2.0.0 Bye", await c.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task Commands_out_of_order_get_Postfix_replies()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        Assert.Equal("503 5.5.1 Error: need MAIL command", await c.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.Equal("503 5.5.1 Error: need MAIL command", await c.CommandAsync("RCPT FROM:<bob@example.com>"));
        Assert.Equal("503 5.5.1 Error: need RCPT command", await c.CommandAsync("DATA"));
        await c.CommandAsync("MAIL FROM:<a@example.org>");
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await c.CommandAsync("MAIL FROM:<a@example.org>"));
        // As Postfix: the transaction state is checked before the syntax.
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await c.CommandAsync("MAIL TO:<x@example.org>"));
        Assert.Equal("503 5.5.1 Error: nested MAIL command", await c.CommandAsync("MAIL FROM:<a@example.org> FOO=bar"));
        Assert.Equal("554 5.5.1 Error: no valid recipients", await c.CommandAsync("DATA"));
        Assert.Equal("501 5.1.3 Bad recipient address syntax", await c.CommandAsync("RCPT TO:<a b c>"));
        Assert.Equal("250 2.0.0 Ok", await c.CommandAsync("RSET"));
        Assert.StartsWith("214 2.0.0 Commands:", await c.CommandAsync("HELP"));
        Assert.Equal("500 5.5.2 Error: command not recognized", await c.CommandAsync("FOO"));
    }

    [Fact]
    public async Task Http_headers_sent_as_commands_end_the_session()
    {
        using var f = new SmtpdFixture();
        await using var c = f.Connect();
        await Greet(c);
        Assert.Equal("500 5.5.2 Error: command not recognized", await c.CommandAsync("GET / HTTP/1.1"));
        Assert.Equal("221 2.7.0 Error: I can break rules, too. Goodbye.", await c.CommandAsync("Host: mail.example.com"));
        await c.Run;
        Assert.Contains("warning: non-SMTP command from localhost[127.0.0.1]: Host: mail.example.com", f.Log);
    }

    [Fact]
    public async Task Smtpd_noop_commands_are_answered_with_250()
    {
        using var f = new SmtpdFixture("smtpd_noop_commands = XYZZY");
        await using var c = f.Connect();
        await Greet(c);
        Assert.Equal("250 2.0.0 Ok", await c.CommandAsync("xyzzy now"));
    }

    private sealed class RecordingTrigger : IQmgrTrigger
    {
        public List<char> Requests { get; } = [];

        public void Trigger(char request) => Requests.Add(request);
    }

    /// <summary>A client that sends EHLO before the session starts (before the greeting).</summary>
    private sealed class SmtpdClientEarly : IAsyncDisposable
    {
        public SmtpdClientEarly(SmtpdFixture f)
        {
            Client = new SmtpdClient(f.Server, System.Net.IPAddress.Loopback, "EHLO x\r\n");
        }

        public SmtpdClient Client { get; }

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
