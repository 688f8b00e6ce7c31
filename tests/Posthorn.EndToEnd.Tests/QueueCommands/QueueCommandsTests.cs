using System.Diagnostics;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Queue;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.QueueCommands;

/// <summary>
/// sendmail, mailq, postqueue, postsuper and postcat from out/bin against a temporary queue,
/// and pickup under a real master: sendmail → maildrop → pickup → incoming.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class QueueCommandsTests
{
    private const string PickupMasterCf = "pickup unix n - n 60 1 pickup\n";

    private static QueueDirectory QueueOf(string dir) => QueueDirectory.FromConfig(MainConfig.Load(dir));

    private static string MakeQueueFile(QueueDirectory q, string queueName, string sender, string[] recipients, DateTimeOffset arrival)
    {
        using var w = q.Enter(QueueNames.Incoming);
        w.WriteArrivalTime(arrival);
        w.WriteSender(sender);
        foreach (var r in recipients)
            w.WriteRecipient(new QueueRecipientSpec(r));
        w.AppendContent(Encoding.UTF8.GetBytes("Subject: e2e\r\n\r\n" + new string('x', 1500) + "\r\n"));
        var id = w.Commit().QueueId!;
        if (queueName != QueueNames.Incoming)
            q.Move(id, QueueNames.Incoming, queueName);
        return id;
    }

    private static bool WaitFor(Func<bool> condition, int timeoutMs = 15_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
                return true;
            Thread.Sleep(50);
        }
        return false;
    }

    [Fact]
    public void Sendmail_writes_maildrop_and_pickup_moves_it_to_incoming_with_a_received_header()
    {
        using var ms = new MailSystem(PickupMasterCf, extraMainCf: "myhostname = e2e.example.com\nmydomain = example.com\n");
        var queue = QueueOf(ms.Dir);
        // The master creates the queue tree (maildrop 1733, owned by mail_owner); then no daemon runs.
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
        Assert.NotEqual(0, ms.Postfix("status").ExitCode);
        var r = PosthornBin.Run("sendmail", ["-C", ms.Dir, "-F", "Test User", "-f", "tester@example.com", "rcpt@example.net"], "Subject: hello\n\nbody\n");
        Assert.Equal(0, r.ExitCode);
        Assert.Single(queue.Enumerate(QueueNames.Maildrop));

        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.True(WaitFor(() => !queue.Enumerate(QueueNames.Maildrop).Any() && queue.Enumerate(QueueNames.Incoming).Any()), ms.Log);
        var id = Assert.Single(queue.Enumerate(QueueNames.Incoming));
        var file = QueueFileReader.Read(queue.PathOf(QueueNames.Incoming, id)).File!;
        Assert.Equal("tester@example.com", file.Sender);
        Assert.Equal("rcpt@example.net", Assert.Single(file.Recipients).Address);
        using (var reader = new StreamReader(file.OpenContent()))
        {
            var content = reader.ReadToEnd();
            Assert.StartsWith("Received: by e2e.example.com (Posthorn, from userid ", content, StringComparison.Ordinal);
            Assert.Contains("From: Test User <tester@example.com>", content, StringComparison.Ordinal);
        }
        Assert.True(ms.WaitForLog($"/pickup[", 5000), ms.Log);
        Assert.Contains($"{id}: uid=", ms.Log, StringComparison.Ordinal);
        Assert.Contains("from=<tester@example.com>", ms.Log, StringComparison.Ordinal);

        // postcat -q finds it and shows each section.
        var cat = PosthornBin.Run("postcat", ["-c", ms.Dir, "-q", id]);
        Assert.Equal(0, cat.ExitCode);
        Assert.Contains($"*** ENVELOPE RECORDS incoming/{id} ***", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains("sender: tester@example.com", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains("recipient: rcpt@example.net", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains($"*** MESSAGE CONTENTS incoming/{id} ***", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains($"*** HEADER EXTRACTED incoming/{id} ***", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains($"*** MESSAGE FILE END incoming/{id} ***", cat.Stdout, StringComparison.Ordinal);
        Assert.Equal("body\n", PosthornBin.Run("postcat", ["-c", ms.Dir, "-b", "-q", id]).Stdout);
    }

    [Fact]
    public void Unprivileged_user_submits_through_the_sticky_maildrop()
    {
        if (!MailSystem.IsRoot)
            return; // needs runuser to become another user
        using var ms = new MailSystem(PickupMasterCf);
        var queue = QueueOf(ms.Dir);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
        var r = MailSystem.Run("runuser", ["-u", "nobody", "--", "sh", "-c",
            $"echo 'Subject: from nobody' | {PosthornBin.PathOf("sendmail")} -C {ms.Dir} someone@example.com"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var id = Assert.Single(queue.Enumerate(QueueNames.Maildrop));
        Assert.Equal(MaildropFile.ReadyMode, File.GetUnixFileMode(queue.PathOf(QueueNames.Maildrop, id)));
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.True(WaitFor(() => !queue.Enumerate(QueueNames.Maildrop).Any() && queue.Enumerate(QueueNames.Incoming).Any()), ms.Log);
        Assert.True(ms.WaitForLog("uid=65534 from=<nobody>"), ms.Log);
    }

    [Fact]
    public void Garbage_in_maildrop_is_removed_with_a_warning_and_pickup_keeps_running()
    {
        using var ms = new MailSystem(PickupMasterCf);
        var queue = QueueOf(ms.Dir);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var garbage = Path.Combine(queue.Root, "maildrop", "DEADBEEF123");
        File.WriteAllBytes(garbage, [0x43, 0xff, 0x00, 0x41, 0x42]);
        File.SetUnixFileMode(garbage, MaildropFile.ReadyMode);
        Assert.True(WaitFor(() => !File.Exists(garbage)), ms.Log);
        Assert.True(ms.WaitForLog("warning: maildrop/DEADBEEF123: uid="), ms.Log);
        Assert.Equal(0, PosthornBin.Run("sendmail", ["-C", ms.Dir, "someone@example.com"], "Subject: after\n\nok\n").ExitCode);
        Assert.True(WaitFor(() => queue.Enumerate(QueueNames.Incoming).Any()), ms.Log);
        Assert.Equal(0, ms.Postfix("status").ExitCode);
    }

    [Fact]
    public void S_nail_submits_through_our_sendmail()
    {
        using var cfg = new TempConfig();
        var queueDir = Path.Combine(cfg.Dir, "queue");
        File.WriteAllText(cfg.MainCf, $"queue_directory = {queueDir}\n");
        var queue = QueueOf(cfg.Dir);
        queue.EnsureDirectories();
        var r = PosthornBin.Run("sendmail", ["-bp", "-C", cfg.Dir]);
        Assert.Equal("Mail queue is empty\n", r.Stdout);
        var psi = new ProcessStartInfo("s-nail") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-:/", "-S", "mta=" + PosthornBin.PathOf("sendmail"), "-S", "sendwait", "-s", "subject line", "user@example.com" })
            psi.ArgumentList.Add(a);
        psi.Environment["MAIL_CONFIG"] = cfg.Dir;
        using (var p = Process.Start(psi)!)
        {
            p.StandardInput.Write("hello from s-nail\n");
            p.StandardInput.Close();
            Assert.True(p.WaitForExit(30_000));
            Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        }
        var id = Assert.Single(queue.Enumerate(QueueNames.Maildrop));
        var file = QueueFileReader.Read(queue.PathOf(QueueNames.Maildrop, id)).File!;
        Assert.Equal("user@example.com", Assert.Single(file.Recipients).Address);
        using var reader = new StreamReader(file.OpenContent());
        var content = reader.ReadToEnd();
        Assert.Contains("Subject: subject line\r\n", content, StringComparison.Ordinal);
        Assert.Contains("hello from s-nail\r\n", content, StringComparison.Ordinal);
        Assert.Contains(id, PosthornBin.Run("mailq", ["-C", cfg.Dir]).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Mailq_shows_active_hold_and_deferred_messages_with_reasons()
    {
        using var cfg = new TempConfig();
        File.WriteAllText(cfg.MainCf, $"queue_directory = {cfg.Dir}/queue\n");
        var queue = QueueOf(cfg.Dir);
        queue.EnsureDirectories();
        var t = DateTimeOffset.UtcNow;
        var active = MakeQueueFile(queue, QueueNames.Active, "a@example.com", ["r1@example.net"], t);
        var hold = MakeQueueFile(queue, QueueNames.Hold, "b@example.com", ["r2@example.net"], t);
        var deferred = MakeQueueFile(queue, QueueNames.Deferred, "", ["r3@example.net"], t);
        DeferLog.Append(queue, QueueNames.Defer, deferred, [new DeferLogEntry("r3@example.net", "4.4.1", "delayed", "connect to example.net[192.0.2.7]:25: Connection timed out")]);
        var r = PosthornBin.Run("mailq", ["-C", cfg.Dir]);
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------", lines[0]);
        Assert.Matches($@"^{active}\* +1518 \w{{3}} \w{{3}} [ \d]\d \d\d:\d\d:\d\d  a@example.com$", lines[1]);
        Assert.Contains(lines, l => l.StartsWith(hold + "!", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(deferred + " ", StringComparison.Ordinal) && l.EndsWith(" MAILER-DAEMON", StringComparison.Ordinal));
        Assert.Contains("           (connect to example.net[192.0.2.7]:25: Connection timed out)\n                                         r3@example.net\n", r.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("\n\n-- 4 Kbytes in 3 Requests.\n", r.Stdout, StringComparison.Ordinal);
        Assert.Equal(r.Stdout, PosthornBin.Run("postqueue", ["-c", cfg.Dir, "-p"]).Stdout);
        Assert.Equal(r.Stdout, PosthornBin.Run("sendmail", ["-C", cfg.Dir, "-bp"]).Stdout);
        var json = PosthornBin.Run("postqueue", ["-c", cfg.Dir, "-j"]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, json.Length);
        Assert.Contains(json, l => l.Contains("\"delay_reason\": \"connect to example.net[192.0.2.7]:25: Connection timed out\"", StringComparison.Ordinal));
        var flush = PosthornBin.Run("postqueue", ["-c", cfg.Dir, "-f"]);
        Assert.Equal((69, "postqueue: fatal: Cannot flush mail queue - mail system is down\n"), (flush.ExitCode, flush.Stderr));
    }

    [Fact]
    public void Postsuper_hold_release_delete_and_requeue_report_counts()
    {
        using var cfg = new TempConfig();
        File.WriteAllText(cfg.MainCf, $"queue_directory = {cfg.Dir}/queue\n");
        var queue = QueueOf(cfg.Dir);
        queue.EnsureDirectories();
        var t = DateTimeOffset.UtcNow;
        var a = MakeQueueFile(queue, QueueNames.Incoming, "s@x", ["r@y"], t);
        var b = MakeQueueFile(queue, QueueNames.Deferred, "s@x", ["r@y"], t);
        var c = MakeQueueFile(queue, QueueNames.Active, "s@x", ["r@y"], t);
        CommandResult Postsuper(params string[] args) => PosthornBin.Run("postsuper", ["-c", cfg.Dir, .. args]);

        var h = Postsuper("-h", "ALL");
        Assert.Equal(0, h.ExitCode);
        Assert.EndsWith("postsuper: Placed on hold: 3 messages\n", h.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, queue.Enumerate(QueueNames.Hold).Count());
        Assert.Contains($"{a}!", PosthornBin.Run("mailq", ["-C", cfg.Dir]).Stdout, StringComparison.Ordinal);

        var rel = Postsuper("-H", b);
        Assert.Equal($"postsuper: {b}: released from hold\npostsuper: Released from hold: 1 message\n", rel.Stderr);
        Assert.True(File.Exists(queue.PathOf(QueueNames.Deferred, b)));

        var d = Postsuper("-d", a);
        Assert.Equal($"postsuper: {a}: removed\npostsuper: Deleted: 1 message\n", d.Stderr);

        var rq = Postsuper("-r", "ALL");
        Assert.EndsWith("postsuper: Requeued: 2 messages\n", rq.Stderr, StringComparison.Ordinal);
        Assert.Equal(new[] { b, c }.Order(), queue.Enumerate(QueueNames.Maildrop).Order());

        var all = PosthornBin.Run("postsuper", ["-c", cfg.Dir, "-d", "-"], stdin: $"{b}\n{c}\n");
        Assert.Equal(0, all.ExitCode);
        Assert.EndsWith("postsuper: Deleted: 0 messages\n", all.Stderr, StringComparison.Ordinal); // -d searches hold, incoming, active, deferred
        Assert.Contains(b, PosthornBin.Run("postqueue", ["-c", cfg.Dir, "-p"]).Stdout, StringComparison.Ordinal);
        var md = PosthornBin.Run("postsuper", ["-c", cfg.Dir, "-d", "-", "maildrop"], stdin: $"{b}\n{c}\n");
        Assert.EndsWith("postsuper: Deleted: 2 messages\n", md.Stderr, StringComparison.Ordinal);
        Assert.Equal("Mail queue is empty\n", PosthornBin.Run("postqueue", ["-c", cfg.Dir, "-p"]).Stdout);
    }
}
