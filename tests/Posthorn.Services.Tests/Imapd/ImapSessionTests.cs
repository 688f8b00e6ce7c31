using System.Net;
using System.Net.Sockets;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Imapd;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Imapd;

/// <summary>Sessions over a loopback socket pair, with the client address the test chooses.</summary>
public sealed class ImapSessionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class Conversation : IDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        public Conversation(TcpClient client, Task server)
        {
            _client = client;
            _stream = client.GetStream();
            _reader = new StreamReader(_stream, Encoding.UTF8);
            Server = server;
            client.ReceiveTimeout = 10_000;
        }

        public Task Server { get; }

        public string Line() => _reader.ReadLine() ?? "(closed)";

        public void Send(string text) => _stream.Write(Encoding.UTF8.GetBytes(text));

        /// <summary>Sends a command and collects lines up to and including the tagged reply.</summary>
        public List<string> Command(string tag, string text)
        {
            Send(tag + " " + text + "\r\n");
            return Until(tag);
        }

        /// <summary>Lines up to and including the tagged reply.</summary>
        public List<string> Until(string tag)
        {
            var lines = new List<string>();
            while (true)
            {
                var l = Line();
                lines.Add(l);
                if (l.StartsWith(tag + " ", StringComparison.Ordinal) || l == "(closed)")
                    return lines;
            }
        }

        public void Dispose() => _client.Dispose();
    }

    private Conversation Start(string mainCf = "", string remote = "192.0.2.10", string local = "192.0.2.1")
    {
        File.WriteAllText(_dir["users"], $"alice@example.com:{{PLAIN}}secret::::::\ncarol:{{PLAIN}}secret::::{_dir["home"]}::\n");
        File.WriteAllText(_dir["vmailbox"], "alice@example.com example.com/alice/\n");
        var config = MainConfig.FromText($"posthorn_user_database = {_dir["users"]}\nvirtual_mailbox_base = {_dir["vmail"]}\n"
            + $"virtual_mailbox_maps = texthash:{_dir["vmailbox"]}\nimapd_login_failure_delay = 0\n" + mainCf);
        var ctx = new ImapdContext(config, MailLog.Null, "imapd", ImapdSettings.FromConfig(config), null);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        client.Connect((IPEndPoint)listener.LocalEndpoint);
        var socket = listener.AcceptSocket();
        var server = Task.Run(async () =>
        {
            using (socket)
            {
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                using var session = new ImapSession(ctx, stream, new IPEndPoint(IPAddress.Parse(remote), 40000), new IPEndPoint(IPAddress.Parse(local), 143), CancellationToken.None);
                await session.RunAsync();
                socket.Shutdown(SocketShutdown.Both);
            }
        });
        return new Conversation(client, server);
    }

    [Fact]
    public void Greets_with_capabilities()
    {
        using var c = Start();
        Assert.StartsWith("* OK [CAPABILITY IMAP4rev1 ", c.Line(), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_plaintext_login_from_another_host_without_tls()
    {
        using var c = Start();
        Assert.Contains("LOGINDISABLED", c.Line(), StringComparison.Ordinal);
        Assert.StartsWith("a NO [PRIVACYREQUIRED]", c.Command("a", "LOGIN alice@example.com secret")[^1], StringComparison.Ordinal);
        Assert.StartsWith("b NO [PRIVACYREQUIRED]", c.Command("b", "AUTHENTICATE PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Allows_plaintext_when_imapd_disable_plaintext_auth_is_no()
    {
        using var c = Start("imapd_disable_plaintext_auth = no\n");
        c.Line();
        Assert.StartsWith("a OK [CAPABILITY ", c.Command("a", "LOGIN alice@example.com secret")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Answers_bad_for_commands_outside_their_state_and_for_garbage()
    {
        using var c = Start(remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        Assert.Equal("a BAD Error in IMAP command SELECT: Command not permitted in this state.", c.Command("a", "SELECT INBOX")[^1]);
        Assert.StartsWith("b BAD ", c.Command("b", "FROB")[^1], StringComparison.Ordinal);
        Assert.StartsWith("c BAD ", c.Command("c", "LOGIN \"unterminated")[^1], StringComparison.Ordinal);
        Assert.StartsWith("d NO [AUTHENTICATIONFAILED]", c.Command("d", "LOGIN alice@example.com wrong")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_a_synchronising_literal_after_a_continuation_and_refuses_an_oversized_one()
    {
        using var c = Start("imapd_max_literal_size = 100\n", remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        c.Send("a LOGIN {17}\r\n");
        Assert.StartsWith("+ ", c.Line(), StringComparison.Ordinal);
        c.Send("alice@example.com secret\r\n");
        Assert.StartsWith("a OK", c.Line(), StringComparison.Ordinal);
        Assert.StartsWith("b NO [TOOBIG]", c.Command("b", "APPEND INBOX {101}")[^1], StringComparison.Ordinal);
        var append = c.Command("c", "APPEND INBOX {5+}\r\nhello");
        Assert.StartsWith("c OK [APPENDUID ", append[^1], StringComparison.Ordinal);
        Assert.Contains("* 1 EXISTS", c.Command("d", "SELECT INBOX"));
    }

    [Fact]
    public void Refuses_an_append_to_a_missing_folder_before_the_literal_is_sent()
    {
        using var c = Start(remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        Assert.StartsWith("p BAD ", c.Command("p", "APPEND INBOX {5}")[^1], StringComparison.Ordinal);
        c.Command("a", "LOGIN alice@example.com secret");
        Assert.Equal("b NO [TRYCREATE] Mailbox doesn't exist: Nowhere", c.Command("b", "APPEND \"Nowhere\" (\\Seen) {5}")[^1]);
        Assert.StartsWith("c NO [CANNOT]", c.Command("c", "APPEND ../x {5}")[^1], StringComparison.Ordinal);
        c.Send("d APPEND Drafts {5}\r\n");
        Assert.StartsWith("+ ", c.Line(), StringComparison.Ordinal);
        c.Send("hello\r\n");
        Assert.StartsWith("d OK [APPENDUID", c.Until("d")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disconnects_after_imapd_hard_error_limit_bad_commands()
    {
        using var c = Start("imapd_hard_error_limit = 3\n");
        c.Line();
        c.Command("a", "FROB");
        c.Command("b", "SELECT INBOX");
        var last = c.Command("c", "(((");
        Assert.Equal("* BYE Too many invalid IMAP commands.", c.Line());
        await c.Server.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.StartsWith("c BAD", last[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Serves_a_local_users_mbox_in_the_mail_spool()
    {
        Directory.CreateDirectory(_dir["spool"]);
        using (var m = new MemoryStream("Subject: spool\n\nfrom the spool\n"u8.ToArray()))
            Posthorn.Services.MailStore.UserMailStore.For(_dir["spool"] + "/carol").Deliver(m, "a@example.org", DateTimeOffset.Now);
        using var c = Start($"mail_spool_directory = {_dir["spool"]}\n", remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        Assert.StartsWith("a OK", c.Command("a", "LOGIN carol secret")[^1], StringComparison.Ordinal);
        Assert.Equal(["* LIST (\\HasNoChildren) \".\" \"INBOX\"", "b OK List completed."], c.Command("b", "LIST \"\" *"));
        Assert.Contains("* 1 EXISTS", c.Command("c", "SELECT INBOX"));
        var fetch = c.Command("d", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        Assert.Contains("Subject: spool", fetch);
        Assert.StartsWith("e NO", c.Command("e", "CREATE Other")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Idle_reports_a_delivery_made_right_after_the_continuation()
    {
        using var c = Start(remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        c.Command("a", "LOGIN alice@example.com secret");
        c.Command("b", "SELECT INBOX");
        c.Send("c IDLE\r\n");
        Assert.StartsWith("+ ", c.Line(), StringComparison.Ordinal);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using (var m = new MemoryStream("Subject: new\n\nx\n"u8.ToArray()))
            Posthorn.Services.MailStore.UserMailStore.For(_dir["vmail"] + "/example.com/alice/").Deliver(m, "a@example.org", DateTimeOffset.Now);
        Assert.Equal("* 1 EXISTS", c.Line());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), sw.Elapsed.ToString());
        c.Send("DONE\r\n");
        Assert.StartsWith("c OK", c.Until("c")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_large_literal_before_login()
    {
        using var c = Start(remote: "127.0.0.1", local: "127.0.0.1");
        c.Line();
        Assert.StartsWith("a NO [TOOBIG]", c.Command("a", "LOGIN {70000}")[^1], StringComparison.Ordinal);
        Assert.StartsWith("b OK", c.Command("b", "NOOP")[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_out_an_idle_client_before_login_after_imapd_login_timeout()
    {
        using var c = Start("imapd_login_timeout = 1s\n");
        c.Line();
        Assert.Equal("* BYE Disconnected for inactivity.", c.Line());
        await c.Server.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Logout_says_bye_then_ok()
    {
        using var c = Start();
        c.Line();
        var lines = c.Command("z", "LOGOUT");
        Assert.Equal(["* BYE Logging out", "z OK Logout completed."], lines);
        await c.Server.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
