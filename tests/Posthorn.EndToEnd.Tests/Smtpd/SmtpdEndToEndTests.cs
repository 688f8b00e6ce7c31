using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Smtpd;

/// <summary>smtpd in a running Posthorn (`PORT inet n - n - - smtpd`), driven by raw sockets, swaks and python's smtplib.</summary>
public sealed class SmtpdEndToEndTests
{
    internal const string MainCf = """
        myhostname = mail.example.test
        mydomain = example.test
        mydestination = $myhostname, localhost
        mynetworks = 127.0.0.1/32
        compatibility_level = 3.6
        smtpd_error_sleep_time = 0

        """;

    internal static MailSystem Start(out int port, string extra = "")
    {
        port = MailSystem.FreePort();
        var ms = new MailSystem($"{port} inet n - n - - smtpd\n", extraMainCf: MainCf + extra);
        File.WriteAllText(Path.Combine(ms.Dir, "recipients"), "bob 1\nalice 1\n");
        File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"local_recipient_maps = texthash:{ms.Dir}/recipients\n");
        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);
        return ms;
    }

    /// <summary>A line-oriented SMTP client over a real socket.</summary>
    internal sealed class Conversation : IDisposable
    {
        private readonly TcpClient _client;
        private readonly StreamReader _reader;
        private readonly Stream _stream;

        public Conversation(int port, string localAddress = "127.0.0.1")
        {
            _client = new TcpClient(new IPEndPoint(IPAddress.Parse(localAddress), 0)) { ReceiveTimeout = 20_000 };
            _client.Connect(IPAddress.Loopback, port);
            _stream = _client.GetStream();
            _reader = new StreamReader(_stream, Encoding.UTF8);
        }

        public string Reply()
        {
            var lines = new List<string>();
            while (_reader.ReadLine() is { } line)
            {
                lines.Add(line);
                if (line.Length < 4 || line[3] != '-')
                    break;
            }
            return string.Join("\n", lines);
        }

        public void Send(string text)
        {
            var b = Encoding.UTF8.GetBytes(text);
            _stream.Write(b);
            _stream.Flush();
        }

        public string Command(string line)
        {
            Send(line + "\r\n");
            return Reply();
        }

        public void Dispose() => _client.Dispose();
    }

    private static List<string> QueueFiles(MailSystem ms) =>
        new[] { "incoming", "active", "deferred" }
            .Select(q => Path.Combine(ms.Dir, "queue", q))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories))
            .ToList();

    [Fact]
    public void Lecture_conversation_word_for_word()
    {
        using var ms = Start(out int port);
        using (var c = new Conversation(port))
        {
            Assert.Equal("220 mail.example.test ESMTP Posthorn", c.Reply());
            Assert.Equal("250 mail.example.test", c.Command("HELO client.example.org"));
            Assert.Equal("250 2.1.0 Ok", c.Command("MAIL FROM:<alice@example.org>"));
            Assert.Equal("250 2.1.5 Ok", c.Command("RCPT TO:<bob@mail.example.test>"));
            Assert.Equal("354 End data with <CR><LF>.<CR><LF>", c.Command("DATA"));
            c.Send("From: alice@example.org\r\nTo: bob@mail.example.test\r\nSubject: Hello\r\n\r\nHello Bob, this is the lecture's message.\r\n");
            var queued = c.Command(".");
            Assert.StartsWith("250 2.0.0 Ok: queued as ", queued, StringComparison.Ordinal);
            Assert.Equal("221 2.0.0 Bye", c.Command("QUIT"));
            var id = queued["250 2.0.0 Ok: queued as ".Length..];
            var file = Assert.Single(QueueFiles(ms));
            Assert.EndsWith(id, file, StringComparison.Ordinal);
            var read = Posthorn.Core.Queue.QueueFileReader.Read(file);
            Assert.True(read.Ok, read.Error);
            Assert.Equal("alice@example.org", read.File!.Sender);
            Assert.Equal("bob@mail.example.test", Assert.Single(read.File.Recipients).Address);
            Assert.True(ms.WaitForLog("disconnect from localhost[127.0.0.1] helo=1 mail=1 rcpt=1 data=1 quit=1 commands=5"), ms.Log);
            Assert.Contains($"posthorn/smtpd[", ms.Log, StringComparison.Ordinal);
            Assert.Contains($"{id}: client=localhost[127.0.0.1]", ms.Log, StringComparison.Ordinal);
            Assert.Contains($"{id}: message-id=<", ms.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Swaks_delivers_into_the_queue()
    {
        using var ms = Start(out int port);
        var r = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--from", "alice@example.org", "--to", "bob@mail.example.test", "--helo", "client.example.org", "--pipeline"]);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("<-  250 2.0.0 Ok: queued as ", r.Stdout, StringComparison.Ordinal);
        Assert.Single(QueueFiles(ms));
    }

    [Fact]
    public void Python_smtplib_sees_every_EHLO_keyword_and_sends()
    {
        using var ms = Start(out int port);
        var script = $$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{port}}, timeout=20)
            code, _ = s.ehlo("client.example.org")
            assert code == 250
            for k in ["pipelining", "size", "vrfy", "etrn", "enhancedstatuscodes", "8bitmime", "dsn", "smtputf8", "chunking"]:
                assert s.has_extn(k), k
            assert s.esmtp_features["size"] == "10240000"
            refused = s.sendmail("alice@example.org", ["bob@mail.example.test", "alice@mail.example.test"],
                                 "Subject: py\r\n\r\nfrom python\r\n", mail_options=["BODY=8BITMIME"], rcpt_options=["NOTIFY=SUCCESS"])
            assert refused == {}, refused
            print(s.verify("bob@mail.example.test"))
            s.quit()
            print("done")
            """;
        var r = RunPython(script);
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("(252, b'2.0.0 bob@mail.example.test')", r.Stdout, StringComparison.Ordinal);
        var file = Posthorn.Core.Queue.QueueFileReader.Read(Assert.Single(QueueFiles(ms))).File!;
        Assert.Equal(2, file.Recipients.Count);
        Assert.Equal("SUCCESS", file.Recipients[0].DsnNotify);
    }

    [Fact]
    public void Pipelined_session_gets_every_reply()
    {
        using var ms = Start(out int port);
        using var c = new Conversation(port);
        c.Reply();
        c.Command("EHLO client.example.org");
        c.Send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@mail.example.test>\r\nRCPT TO:<nobody@mail.example.test>\r\nDATA\r\n");
        Assert.Equal("250 2.1.0 Ok", c.Reply());
        Assert.Equal("250 2.1.5 Ok", c.Reply());
        Assert.Equal("550 5.1.1 <nobody@mail.example.test>: Recipient address rejected: User unknown in local recipient table", c.Reply());
        Assert.StartsWith("354 ", c.Reply(), StringComparison.Ordinal);
        c.Send("Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", c.Reply(), StringComparison.Ordinal);
        Assert.Equal("221 2.0.0 Bye", c.Reply());
    }

    [Fact]
    public void Relay_is_refused_for_a_client_outside_mynetworks()
    {
        using var ms = Start(out int port);
        using var c = new Conversation(port, "127.0.0.2");
        c.Reply();
        c.Command("EHLO client.example.org");
        c.Command("MAIL FROM:<alice@example.org>");
        // smtpd_relay_restrictions' default ends in defer_unauth_destination: 454.
        Assert.Equal("454 4.7.1 <someone@elsewhere.example>: Relay access denied", c.Command("RCPT TO:<someone@elsewhere.example>"));
        Assert.Equal("250 2.1.5 Ok", c.Command("RCPT TO:<bob@mail.example.test>"));
        Assert.True(ms.WaitForLog("NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 454 4.7.1 <someone@elsewhere.example>: Relay access denied;"), ms.Log);
    }

    [Fact]
    public void Relay_is_refused_with_554_by_reject_unauth_destination()
    {
        using var ms = Start(out int port, "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n");
        using var c = new Conversation(port, "127.0.0.2");
        c.Reply();
        c.Command("EHLO client.example.org");
        c.Command("MAIL FROM:<alice@example.org>");
        Assert.Equal("554 5.7.1 <someone@elsewhere.example>: Relay access denied", c.Command("RCPT TO:<someone@elsewhere.example>"));
    }

    [Fact]
    public void Unknown_local_user_gets_550_and_oversize_gets_552()
    {
        using var ms = Start(out int port, "message_size_limit = 10000\n");
        using var c = new Conversation(port);
        c.Reply();
        c.Command("EHLO client.example.org");
        Assert.Equal("552 5.3.4 Message size exceeds fixed limit", c.Command("MAIL FROM:<alice@example.org> SIZE=20000"));
        c.Command("MAIL FROM:<alice@example.org>");
        Assert.Equal("550 5.1.1 <nobody@mail.example.test>: Recipient address rejected: User unknown in local recipient table",
            c.Command("RCPT TO:<nobody@mail.example.test>"));
        c.Command("RCPT TO:<bob@mail.example.test>");
        c.Command("DATA");
        c.Send("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('y', 78) + "\r\n", 200)));
        Assert.Equal("552 5.3.4 Error: message file too big", c.Command("."));
        Assert.Empty(QueueFiles(ms));
    }

    [Fact]
    public void Submission_style_service_takes_its_o_overrides()
    {
        int port = MailSystem.FreePort(), sub = MailSystem.FreePort();
        using var ms = new MailSystem($"{port} inet n - n - - smtpd\n{sub} inet n - n - - smtpd -o syslog_name=posthorn/submission -o smtpd_banner=submission.$myhostname -o smtpd_relay_restrictions=reject\n",
            extraMainCf: MainCf);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        using (var c = new Conversation(sub))
        {
            Assert.Equal("220 submission.mail.example.test", c.Reply());
            c.Command("EHLO client.example.org");
            c.Command("MAIL FROM:<alice@example.org>");
            Assert.Equal("554 5.7.1 <bob@mail.example.test>: Recipient address rejected: Access denied", c.Command("RCPT TO:<bob@mail.example.test>"));
        }
        using (var c = new Conversation(port))
            Assert.Equal("220 mail.example.test ESMTP Posthorn", c.Reply());
        Assert.True(ms.WaitForLog("posthorn/submission/smtpd["), ms.Log);
    }

    internal static CommandResult RunPython(string script, int timeoutMs = 120_000)
    {
        var path = Path.Combine(Path.GetTempPath(), $"smtpd-e2e-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(path);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeoutMs))
            {
                p.Kill(true);
                throw new TimeoutException("python did not finish");
            }
            return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
