using System.Net;
using Posthorn.EndToEnd.Tests.Support;
using Posthorn.Services.Tests.SmtpClient;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// lmtp(8), pipe(8), error(8) and discard(8) in a running Posthorn (issue 6, "Must show"):
/// LMTP per-recipient replies after DATA, a pipe service's argv expansion and each exit-status
/// class (0 delivered, 75 deferred and delivered on retry, 67 and others bounced with the
/// command's output as the reason), and transport table entries error: and discard:.
/// </summary>
public sealed class AgentsEndToEndTests
{
    [Fact]
    public async Task LMTP_replies_per_recipient_after_DATA_deliver_defer_and_bounce()
    {
        var lmtpAddress = IPAddress.Parse("127.0.6.5");
        int lmtpPort = MailSystem.FreePort();
        using var sys = new OutboundSystem([], transport: $"lmtp.test lmtp:inet:{lmtpAddress}:{lmtpPort}\n");
        await using var server = new TestSmtpServer(lmtpAddress, lmtpPort)
        {
            Lmtp = true,
            Greeting = "220 store.lmtp.test LMTP ready",
            DotReply = r => r switch
            {
                "full@lmtp.test" => $"452 4.2.2 <{r}> Mailbox full",
                "gone@lmtp.test" => $"550 5.1.1 <{r}> User doesn't exist",
                _ => $"250 2.0.0 <{r}> Saved",
            },
        };
        sys.Submit("sender@local.test", ["ok@lmtp.test", "full@lmtp.test", "gone@lmtp.test"], "lmtp mixed");

        Assert.True(sys.WaitForLog("status=bounced"), sys.Log);
        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        var log = sys.Log;
        var relay = $@"relay={lmtpAddress}\[{lmtpAddress}\]:{lmtpPort}";
        Assert.Contains($"LHLO", server.Commands.First(c => c.StartsWith("LHLO", StringComparison.Ordinal)), StringComparison.Ordinal);
        sys.AssertLog($@"to=<ok@lmtp\.test>, {relay}, .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 <ok@lmtp\.test> Saved\)");
        sys.AssertLog($@"to=<full@lmtp\.test>, {relay}, .*dsn=4\.2\.2, status=deferred \(host {lmtpAddress}\[{lmtpAddress}\] said: 452 4\.2\.2 <full@lmtp\.test> Mailbox full \(in reply to end of DATA command\)\)");
        sys.AssertLog($@"to=<gone@lmtp\.test>, {relay}, .*dsn=5\.1\.1, status=bounced \(host {lmtpAddress}\[{lmtpAddress}\] said: 550 5\.1\.1 <gone@lmtp\.test> User doesn't exist \(in reply to end of DATA command\)\)");
        var bounce = Assert.Single(sys.WaitForSenderMail(1));
        Assert.Contains("Final-Recipient: rfc822; gone@lmtp.test", bounce, StringComparison.Ordinal);
        Assert.Equal(1, sys.QueuedCount());
    }

    [Fact]
    public async Task LMTP_over_a_UNIX_socket_delivers_each_recipient()
    {
        string socket = "";
        using var sys = new OutboundSystem([], prepare: dir =>
        {
            socket = Path.Combine(dir, "lmtp.sock");
            File.WriteAllText(Path.Combine(dir, "transport"), $"lmtp.test lmtp:unix:{socket}\n");
        });
        await using var server = new TestSmtpServer(IPAddress.None, unixPath: socket) { Lmtp = true };
        MailSystem.Run("chmod", ["666", socket]);
        sys.Submit("sender@local.test", ["one@lmtp.test", "two@lmtp.test"], "over a unix socket");

        Assert.True(sys.WaitForCount("status=sent", 2), sys.Log);
        var m = Assert.Single(server.Messages);
        Assert.Equal(["one@lmtp.test", "two@lmtp.test"], m.Recipients);
        sys.AssertLog($@"to=<one@lmtp\.test>, relay=posthorn\.test\[{System.Text.RegularExpressions.Regex.Escape(socket)}\], .*status=sent \(250 2\.0\.0 Ok: queued as TEST1\)");
    }

    private const string PipeScript = """
        #!/bin/sh
        out="$(dirname "$0")/pipe-out"
        u="$5"
        for a in "$@"; do printf '%s\n' "$a"; done > "$out/$u.args"
        cat > "$out/$u.msg"
        case "$u" in
          ok) exit 0 ;;
          later) if [ -e "$out/allow" ]; then exit 0; fi; echo "queue full, try later"; exit 75 ;;
          nouser) echo "no such mailbox here"; exit 67 ;;
          *) echo "something broke"; exit 13 ;;
        esac

        """;

    [Fact]
    public void Pipe_expands_argv_and_maps_each_exit_status_class()
    {
        string script = "";
        using var sys = new OutboundSystem([],
            "recipient_delimiter = +\npipetest_destination_recipient_limit = 1\n",
            "pipetest  unix  -       n       n       -       -       pipe\n"
            + $"  flags=R user={OutboundSystem.User} argv=PIPE_SCRIPT ${{sender}} ${{recipient}} ${{extension}} ${{nexthop}} ${{user}} ${{domain}} ${{mailbox}} ${{original_recipient}} ${{size}} ${{queue_id}} ${{client_address}}\n",
            "pipe.test pipetest:pipehop\n",
            prepare: dir =>
            {
                script = Path.Combine(dir, "pipe.sh");
                File.WriteAllText(script, PipeScript);
                MailSystem.Run("chmod", ["755", script]);
                Directory.CreateDirectory(Path.Combine(dir, "pipe-out"));
                var master = Path.Combine(dir, "master.cf");
                File.WriteAllText(master, File.ReadAllText(master).Replace("PIPE_SCRIPT", script, StringComparison.Ordinal));
            });
        sys.Submit("sender@local.test", ["ok+tag@pipe.test", "later@pipe.test", "nouser@pipe.test", "broken@pipe.test"], "to the pipe");

        Assert.True(sys.WaitForCount("status=bounced", 2), sys.Log);
        Assert.True(sys.WaitForLog("status=deferred"), sys.Log);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        var log = sys.Log;
        sys.AssertLog(@"to=<ok\+tag@pipe\.test>, relay=pipetest, .*dsn=2\.0\.0, status=sent \(delivered via pipetest service\)");
        sys.AssertLog(@"to=<later@pipe\.test>, relay=pipetest, .*dsn=4\.3\.0, status=deferred \(temporary failure\. Command output: queue full, try later ?\)");
        sys.AssertLog(@"to=<nouser@pipe\.test>, relay=pipetest, .*dsn=5\.1\.1, status=bounced \(user unknown\. Command output: no such mailbox here ?\)");
        sys.AssertLog(@"to=<broken@pipe\.test>, relay=pipetest, .*dsn=5\.3\.0, status=bounced \(Command died with status 13: "".*pipe\.sh""\. Command output: something broke ?\)");

        var out_ = Path.Combine(sys.Dir, "pipe-out");
        var args = File.ReadAllLines(Path.Combine(out_, "ok.args"));
        Assert.Equal("sender@local.test", args[0]);
        Assert.Equal("ok+tag@pipe.test", args[1]);
        Assert.Equal("tag", args[2]);
        Assert.Equal("pipehop", args[3]);
        Assert.Equal("ok", args[4]);
        Assert.Equal("pipe.test", args[5]);
        Assert.Equal("ok+tag", args[6]);
        Assert.Equal("ok+tag@pipe.test", args[7]);
        Assert.True(int.Parse(args[8], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Matches("^[0-9A-F]+$", args[9]);
        Assert.Equal("127.0.0.1", args[10]);
        var msg = File.ReadAllText(Path.Combine(out_, "ok.msg"));
        Assert.StartsWith("Return-Path: <sender@local.test>\n", msg, StringComparison.Ordinal);
        Assert.Contains("Subject: to the pipe\n", msg, StringComparison.Ordinal);

        var bounces = sys.WaitForSenderMail(1);
        var all = string.Join("\n", bounces);
        Assert.Contains("Final-Recipient: rfc822; nouser@pipe.test", all, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; broken@pipe.test", all, StringComparison.Ordinal);
        Assert.Contains("no such mailbox here", all, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(out_, "allow"), "");
        sys.Flush();
        Assert.True(sys.WaitForLog("to=<later@pipe.test>, relay=pipetest, ", 20_000), sys.Log);
        Assert.True(sys.WaitForCount("status=sent (delivered via pipetest service)", 2), sys.Log);
        Assert.True(sys.WaitForLog(": removed"), sys.Log);
    }

    [Fact]
    public void Error_and_discard_transports_bounce_with_the_text_and_drop_silently()
    {
        // smtpd itself refuses a recipient whose transport is error: (as Postfix's does), so the
        // message reaches the error agent through a virtual alias expanded by cleanup.
        using var sys = new OutboundSystem([], $"virtual_alias_maps = texthash:$config_directory/valias\n",
            transport: "error.test error:5.7.1 no mail here please\ndiscard.test discard:dropped by policy\n",
            prepare: dir => File.WriteAllText(Path.Combine(dir, "valias"), "err@local.test someone@error.test\n"));
        sys.Submit("sender@local.test", ["err@local.test", "someone@discard.test"], "error and discard");

        Assert.True(sys.WaitForLog("status=bounced"), sys.Log);
        Assert.True(sys.WaitForLog("status=sent"), sys.Log);
        sys.AssertLog(@"to=<someone@error\.test>, orig_to=<err@local\.test>, relay=none, .*dsn=5\.7\.1, status=bounced \(no mail here please\)");
        sys.AssertLog(@"to=<someone@discard\.test>, relay=none, .*dsn=2\.0\.0, status=sent \(dropped by policy\)");
        var bounce = Assert.Single(sys.WaitForSenderMail(1));
        Assert.Contains("Final-Recipient: rfc822; someone@error.test", bounce, StringComparison.Ordinal);
        Assert.DoesNotContain("Final-Recipient: rfc822; someone@discard.test", bounce, StringComparison.Ordinal);
    }
}
