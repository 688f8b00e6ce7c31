using System.Text.RegularExpressions;
using MimeKit;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// Temporary failures through a running system (qmgr(8), local(8) command delivery, bounce(8)
/// delay notices, postqueue(1), postsuper(1), postcat(1)): a command that exits 75 (EX_TEMPFAIL)
/// defers the recipient, mailq shows the message with the reason in parentheses, the retry after
/// queue_run_delay/minimal_backoff_time delivers it exactly once; delay_warning_time sends the
/// sender an Action: delayed notice; and the lecture's queue tools act on the deferred mail.
/// </summary>
public sealed class DeferTests
{
    // Fails with EX_TEMPFAIL until DIR/ok exists, then appends the message to ~/got.out.
    private static string Flaky(DeliveryLab lab, string user)
    {
        var script = Path.Combine(lab.Home(user), "flaky.sh");
        DeliveryLab.WriteOwned(script, $"""
            #!/bin/sh
            if [ -f {lab.Dir}/ok ]; then cat >> "$HOME/got.out"; exit 0; fi
            echo "mailbox busy, try again later"
            exit 75
            """ + "\n", user, "755");
        DeliveryLab.WriteOwned(Path.Combine(lab.Home(user), ".forward"), $"\"|{script}\"\n", user);
        return Path.Combine(lab.Home(user), "got.out");
    }

    [Fact]
    public void Tempfail_is_deferred_shown_by_mailq_retried_and_delivered_once()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var flaky = lab.AddUser("flaky");
        var got = Flaky(lab, flaky);
        lab.Start();
        var id = lab.Send("bob@example.org", [$"{flaky}@example.test"], "Subject: retry me\n\nonce only\n");

        Assert.True(lab.Ms.WaitForLog("status=deferred"), lab.Log);
        Assert.Contains($"{id}: to=<{flaky}@example.test>, relay=local", lab.Log, StringComparison.Ordinal);
        // As Postfix, the command's newline becomes a space in the reason.
        Assert.Contains("dsn=4.3.0, status=deferred (temporary failure. Command output: mailbox busy, try again later )", lab.Log, StringComparison.Ordinal);
        string mailq = "";
        Assert.True(DeliveryLab.WaitFor(() => (mailq = lab.Queue("mailq").Stdout).Contains("(temporary failure", StringComparison.Ordinal)), mailq);
        var lines = mailq.Split('\n');
        Assert.Equal("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------", lines[0]);
        Assert.Matches($@"^{id}[ *] +\d+ \w{{3}} \w{{3}} [ \d]\d \d\d:\d\d:\d\d  bob@example\.org$", lines[1]);
        Assert.Equal("(temporary failure. Command output: mailbox busy, try again later )", lines[2].Trim());
        Assert.Equal($"{flaky}@example.test", lines[3].Trim());
        Assert.Matches(@"^-- \d+ Kbytes in 1 Request\.$", lines.Last(l => l.Length > 0));

        File.WriteAllText(Path.Combine(lab.Dir, "ok"), "");
        Assert.True(DeliveryLab.WaitFor(() => lab.Log.Contains($"{id}: removed", StringComparison.Ordinal), 30_000), lab.Log);
        Assert.Equal(1, Regex.Count(File.ReadAllText(got), "once only"));
        Assert.Equal(1, Regex.Count(lab.Log, $@"{id}: to=<{flaky}@example\.test>.*status=sent"));
        Assert.Equal("Mail queue is empty\n", lab.Queue("mailq").Stdout);
    }

    [Fact]
    public void Delay_warning_reaches_the_sender_with_action_delayed()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab("delay_warning_time = 2s\n");
        var alice = lab.AddUser("alice");
        var flaky = lab.AddUser("flaky");
        Flaky(lab, flaky);
        lab.Start();
        var id = lab.Send($"{alice}@example.test", [$"{flaky}@example.test"], "Subject: slow\n\nx\n");

        var m = BounceTests.LastMessage(lab.WaitForMbox(Path.Combine(lab.Spool, alice), 1, 30_000));
        Assert.Equal("Delayed Mail (still being retried)", m.Subject);
        var (_, rcpt) = BounceTests.Dsn(m);
        Assert.Equal("delayed", rcpt["Action"]);
        Assert.Equal("4.3.0", rcpt["Status"]);
        Assert.Equal($"rfc822; {flaky}@example.test", rcpt["Final-Recipient"]);
        Assert.Contains($"{id}: sender delay notification:", lab.Log, StringComparison.Ordinal);
        var parts = ((MultipartReport)m.Body!).OfType<MimeEntity>().ToList();
        Assert.Equal("text/rfc822-headers", parts[2].ContentType.MimeType);
        // One warning only, while the message stays deferred.
        Thread.Sleep(3000);
        Assert.Equal(1, DeliveryLab.MboxCount(File.ReadAllText(Path.Combine(lab.Spool, alice))));
        Assert.Contains(id, lab.Queue("mailq").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Postsuper_holds_releases_and_deletes_deferred_mail_of_a_running_system()
    {
        if (!DeliveryLab.Available)
            return;
        // A long backoff keeps deferred mail in deferred; postqueue -f retries it when the test says so.
        using var lab = new DeliveryLab("minimal_backoff_time = 300s\nmaximal_backoff_time = 300s\n");
        var flaky = lab.AddUser("flaky");
        var got = Flaky(lab, flaky);
        lab.Start();
        var ids = Enumerable.Range(1, 3).Select(i => lab.Send("bob@example.org", [$"{flaky}@example.test"], $"Subject: queued {i}\n\nbody {i}\n")).ToList();
        Assert.True(DeliveryLab.WaitFor(() => ids.All(i => lab.Log.Contains($"{i}: to=<{flaky}@example.test>", StringComparison.Ordinal))), lab.Log);

        var cat = lab.Queue("postcat", "-q", ids[0]);
        Assert.Equal(0, cat.ExitCode);
        Assert.Contains("*** ENVELOPE RECORDS", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains("sender: bob@example.org", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains("Subject: queued 1", cat.Stdout, StringComparison.Ordinal);
        Assert.Contains("body 1", cat.Stdout, StringComparison.Ordinal);
        var body = lab.Queue("postcat", "-b", "-q", ids[0]);
        Assert.DoesNotContain("Subject:", body.Stdout, StringComparison.Ordinal);
        Assert.Contains("body 1", body.Stdout, StringComparison.Ordinal);

        var hold = lab.Queue("postsuper", "-h", ids[0]);
        Assert.True(hold.ExitCode == 0, hold.Stderr);
        Assert.Contains($"postsuper: {ids[0]}: placed on hold", hold.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("postsuper: Placed on hold: 1 message\n", hold.Stderr, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{ids[0]}!", lab.Queue("mailq").Stdout);

        // Held mail is not delivered even when the destination works again.
        File.WriteAllText(Path.Combine(lab.Dir, "ok"), "");
        Assert.Equal(0, lab.Queue("postqueue", "-f").ExitCode);
        Assert.True(DeliveryLab.WaitFor(() => Regex.Count(DeliveryLab.ReadOrEmpty(got), "^Subject: queued", RegexOptions.Multiline) == 2, 30_000), lab.Queue("mailq").Stdout + lab.Log);
        Assert.DoesNotContain("Subject: queued 1", File.ReadAllText(got), StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{ids[0]}!", lab.Queue("mailq").Stdout);

        var release = lab.Queue("postsuper", "-H", ids[0]);
        Assert.Contains($"postsuper: {ids[0]}: released from hold", release.Stderr, StringComparison.Ordinal);
        lab.Queue("postqueue", "-f");
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.ReadOrEmpty(got).Contains("Subject: queued 1", StringComparison.Ordinal), 30_000), lab.Log);
        Assert.True(DeliveryLab.WaitFor(() => lab.Queue("mailq").Stdout == "Mail queue is empty\n"), lab.Queue("mailq").Stdout);

        // postsuper -d: one id, then ALL deferred.
        File.Delete(Path.Combine(lab.Dir, "ok"));
        var more = Enumerable.Range(4, 3).Select(i => lab.Send("bob@example.org", [$"{flaky}@example.test"], $"Subject: queued {i}\n\nx\n")).ToList();
        Assert.True(DeliveryLab.WaitFor(() => more.All(i => lab.Log.Contains($"{i}: to=<{flaky}@example.test>", StringComparison.Ordinal))), lab.Log);
        var d1 = lab.Queue("postsuper", "-d", more[0]);
        Assert.Equal($"postsuper: {more[0]}: removed\npostsuper: Deleted: 1 message\n", d1.Stderr);
        Assert.DoesNotContain(more[0], lab.Queue("mailq").Stdout, StringComparison.Ordinal);
        // Wait until both are back in deferred after their first attempt.
        Assert.True(DeliveryLab.WaitFor(() => Directory.EnumerateFiles(Path.Combine(lab.Dir, "queue", "deferred"), "*", SearchOption.AllDirectories).Count() == 2), lab.Queue("mailq").Stdout);
        var all = lab.Queue("postsuper", "-d", "ALL", "deferred");
        Assert.EndsWith("postsuper: Deleted: 2 messages\n", all.Stderr, StringComparison.Ordinal);
        Assert.Equal("Mail queue is empty\n", lab.Queue("mailq").Stdout);
    }
}
