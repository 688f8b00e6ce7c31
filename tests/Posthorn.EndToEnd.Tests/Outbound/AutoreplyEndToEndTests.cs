using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// The lecture's autoreply (examples/autoreply, docs/autoreply.md) in a running Posthorn: the
/// shipped virtual, transport and master.cf fragments (the lecture's domain replaced by the test's)
/// give user2dip a copy in its mailbox and a copy to the pipe service; the script answers once
/// per sender through our sendmail, and stays silent for each loop-prevention rule.
/// </summary>
public sealed class AutoreplyEndToEndTests
{
    private static string Examples()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "examples", "autoreply", "autoreply.py")))
            dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new FileNotFoundException("examples/autoreply not found"), "examples", "autoreply");
    }

    private static readonly string[] Senders =
    [
        "sender", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "MAILER-DAEMON", "LISTSERV", "majordomo",
        "owner-news", "news-request", "user2dip",
    ];

    [Fact]
    public void Autoreply_answers_once_and_stays_silent_for_each_loop_rule()
    {
        var examples = Examples();
        string Local(string file) => File.ReadAllText(Path.Combine(examples, file)).Replace("dip.cgri.edu", "local.test", StringComparison.Ordinal);
        using var sys = new OutboundSystem([],
            "virtual_alias_maps = texthash:$config_directory/virtual\nautoreply_destination_recipient_limit = 1\n",
            "",
            Local("transport"),
            prepare: dir =>
            {
                File.AppendAllLines(Path.Combine(dir, "vmailbox"), Senders.Where(s => s != "sender").Select(s => $"{s}@local.test local.test/{s}/"));
                File.WriteAllText(Path.Combine(dir, "virtual"), Local("virtual"));
                var script = Path.Combine(dir, "autoreply.py");
                File.Copy(Path.Combine(examples, "autoreply.py"), script);
                MailSystem.Run("chmod", ["755", script]);
                var service = Local("master.cf")
                    .Replace("user=nobody", "user=" + OutboundSystem.User, StringComparison.Ordinal)
                    .Replace("/opt/etc/postfix/autoreply.py",
                        $"{script} -S {PosthornBin.PathOf("sendmail")} -C {dir} -t {dir}/autoreply-state -m {examples}/message.txt", StringComparison.Ordinal);
                File.AppendAllText(Path.Combine(dir, "master.cf"), service);
            });

        sys.Submit("sender@local.test", ["user2dip@local.test"], "first");
        Assert.True(sys.WaitForLog("autoreply: replied to <sender@local.test> for <user2dip@local.test>"), sys.Log);
        var reply = Assert.Single(WaitForMail(sys, "sender", 1));
        Assert.StartsWith("Return-Path: <>\n", reply.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Auto-Submitted: auto-replied", reply, StringComparison.Ordinal);
        Assert.Contains("From: <user2dip@local.test>", reply, StringComparison.Ordinal);
        Assert.Contains("Subject: Auto: first", reply, StringComparison.Ordinal);
        Assert.Matches(@"In-Reply-To: <[^>]+>", reply);
        Assert.Matches(@"References: <[^>]+>", reply);
        Assert.Contains("I am out of the office", reply, StringComparison.Ordinal);

        sys.Submit("sender@local.test", ["user2dip@local.test"], "second");
        sys.Submit("s1@local.test", ["user2dip@local.test"], "auto", headers: ["Auto-Submitted: auto-generated"]);
        sys.Submit("s2@local.test", ["user2dip@local.test"], "not auto", headers: ["Auto-Submitted: no"]);
        sys.Submit("s3@local.test", ["user2dip@local.test"], "bulk", headers: ["Precedence: bulk"]);
        sys.Submit("s4@local.test", ["user2dip@local.test"], "junk", headers: ["Precedence: junk"]);
        sys.Submit("s5@local.test", ["user2dip@local.test"], "list", headers: ["Precedence: list"]);
        sys.Submit("s6@local.test", ["user2dip@local.test"], "list-id", headers: ["List-Id: News <news.local.test>"]);
        sys.Submit("s7@local.test", ["user2dip@local.test"], "list-unsub", headers: ["List-Unsubscribe: <mailto:news-leave@local.test>"]);
        sys.Submit("<>", ["user2dip@local.test"], "null sender");
        foreach (var s in new[] { "MAILER-DAEMON", "LISTSERV", "majordomo", "owner-news", "news-request", "user2dip" })
            sys.Submit($"{s}@local.test", ["user2dip@local.test"], "from " + s);
        sys.SubmitData("s8@local.test", ["user2dip@local.test"],
            "From: s8@local.test\nTo: other@local.test\nSubject: blind copy\nMessage-ID: <bcc@local.test>\n\nhello\n");

        Assert.True(sys.WaitForCount("relay=autoreply, ", 17, 30_000), sys.Log);
        Assert.True(sys.WaitForLog("autoreply: replied to <s2@local.test>"), sys.Log);
        var log = sys.Log;
        foreach (var why in new[]
        {
            "no reply to <sender@local.test>: already replied within 604800s",
            "no reply to <s1@local.test>: Auto-Submitted: auto-generated",
            "no reply to <s3@local.test>: Precedence: bulk",
            "no reply to <s4@local.test>: Precedence: junk",
            "no reply to <s5@local.test>: Precedence: list",
            "no reply to <s6@local.test>: mailing list header List-Id",
            "no reply to <s7@local.test>: mailing list header List-Unsubscribe",
            "no reply to <MAILER-DAEMON>: sender MAILER-DAEMON",
            "no reply to <MAILER-DAEMON@local.test>: sender",
            "no reply to <LISTSERV@local.test>: sender",
            "no reply to <majordomo@local.test>: sender",
            "no reply to <owner-news@local.test>: sender",
            "no reply to <news-request@local.test>: sender",
            "no reply to <user2dip@local.test>: sender is the recipient",
            "no reply to <s8@local.test>: user2dip is not in To:, Cc: or Bcc:",
        })
            Assert.True(log.Contains(why, StringComparison.Ordinal), why + "\n" + log);

        Assert.Single(WaitForMail(sys, "s2", 1));
        Thread.Sleep(1000);
        Assert.Single(Mailbox(sys, "sender"));
        foreach (var s in Senders.Where(s => s is not "sender" and not "s2" and not "user2dip"))
            Assert.Empty(Mailbox(sys, s));
        Assert.Equal(17, Mailbox(sys, "user2dip").Count);
        Assert.Equal(2, MailSystem.Count(sys.Log, "autoreply: replied to"));
        Assert.DoesNotContain("non-delivery notification", sys.Log, StringComparison.Ordinal);
    }

    private static List<string> Mailbox(OutboundSystem sys, string user)
    {
        var dir = Path.Combine(sys.Vmail, "local.test", user, "new");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir).Select(File.ReadAllText).ToList() : [];
    }

    private static List<string> WaitForMail(OutboundSystem sys, string user, int count)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (Mailbox(sys, user).Count < count && sw.ElapsedMilliseconds < 20_000)
            Thread.Sleep(100);
        return Mailbox(sys, user);
    }
}
