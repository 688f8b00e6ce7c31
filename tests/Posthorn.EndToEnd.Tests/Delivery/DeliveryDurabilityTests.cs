using System.Globalization;
using System.Text.RegularExpressions;
using Posthorn.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// Crash safety of delivery: the master is killed with SIGKILL while qmgr delivers a bounded
/// batch (200 queued messages, each to 2 of 20 virtual Maildir users), then started again
/// (the master runs as an unprivileged user here, as `postfix start` by a non-root user does).
/// Every recipient of every message must end up with its copy: none lost. A recipient is marked
/// done in its queue file right after its delivery (fsync), so a duplicate can come only from the
/// deliveries in flight at the moment of the kill, which Postfix allows too (qmgr(8): mail is
/// delivered at least once); the test counts them and requires them within that window.
/// </summary>
public sealed class DeliveryDurabilityTests(ITestOutputHelper output)
{
    private const int Users = 20;
    private const int Messages = 200;

    [Fact]
    public void Sigkill_during_delivery_loses_nothing_and_duplicates_at_most_the_in_flight_window()
    {
        if (!DeliveryLab.Available)
            return;
        // The master runs as nobody: deliveries happen in-process (no privsep helper, which
        // serves one request at a time), so the batch takes seconds; the queue logic is the same.
        using var lab = new DeliveryLab(runAs: "nobody");
        var vmail = Path.Combine(lab.Dir, "vmail");
        Directory.CreateDirectory(vmail);
        MailSystem.Run("chown", ["nobody:nogroup", vmail]);
        File.WriteAllText(Path.Combine(lab.Dir, "vmailbox"),
            string.Concat(Enumerable.Range(0, Users).Select(u => $"u{u}@vmail.test vmail.test/u{u}/\n")));
        var nobody = MailSystem.Run("id", ["-u", "nobody"]).Stdout.Trim();
        var nogroup = MailSystem.Run("id", ["-g", "nobody"]).Stdout.Trim();
        lab.AppendMainCf($"""
            virtual_mailbox_domains = vmail.test
            virtual_mailbox_base = {vmail}
            virtual_mailbox_maps = texthash:{lab.Dir}/vmailbox
            virtual_uid_maps = static:{nobody}
            virtual_gid_maps = static:{nogroup}
            virtual_minimum_uid = 100
            """);
        // Queue the batch while qmgr is not running, so the kill lands in the middle of delivery.
        var masterCf = Path.Combine(lab.Dir, "master.cf");
        var fullMaster = File.ReadAllText(masterCf);
        File.WriteAllText(masterCf, Regex.Replace(fullMaster, "(?m)^qmgr .*\n", ""));
        lab.Start();
        for (int i = 0; i < Messages; i++)
            lab.Send("bob@example.org", [$"u{i % Users}@vmail.test", $"u{(i + 7) % Users}@vmail.test"], $"Subject: batch\nX-Seq: {i}\n\nmessage {i}\n");
        Assert.True(lab.Ms.Postfix("stop").ExitCode == 0);
        File.WriteAllText(masterCf, fullMaster);
        lab.Start();

        int Delivered() => Enumerable.Range(0, Users).Sum(u => DeliveryLab.MaildirNew(Path.Combine(vmail, "vmail.test", $"u{u}")).Length);
        var pid = lab.Ms.MasterPid();
        Assert.NotNull(pid);
        using var master = System.Diagnostics.Process.GetProcessById(pid.Value);
        // Poll tightly and kill at once: on a quiet machine the whole batch takes about a second.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Delivered() < Messages / 4 && watch.ElapsedMilliseconds < 60_000)
            Thread.Sleep(2);
        master.Kill(); // SIGKILL
        Assert.True(watch.ElapsedMilliseconds < 60_000, lab.Log);
        Assert.True(DeliveryLab.WaitFor(() => !Directory.Exists($"/proc/{pid.Value}"), 10_000));
        int atKill = Delivered();
        Assert.True(atKill < 2 * Messages, "the kill came too late to test anything");

        var start = lab.Ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + lab.Log);
        Assert.True(DeliveryLab.WaitFor(() => Delivered() >= 2 * Messages && lab.Queue("mailq").Stdout == "Mail queue is empty\n", 120_000),
            $"{Delivered()} of {2 * Messages} delivered\n" + lab.Queue("mailq").Stdout);

        int duplicates = 0;
        for (int u = 0; u < Users; u++)
        {
            var seqs = DeliveryLab.MaildirNew(Path.Combine(vmail, "vmail.test", $"u{u}"))
                .Select(f => int.Parse(Regex.Match(File.ReadAllText(f), @"X-Seq: (\d+)").Groups[1].Value, CultureInfo.InvariantCulture))
                .ToList();
            var expected = Enumerable.Range(0, Messages).Where(i => i % Users == u || (i + 7) % Users == u).ToHashSet();
            Assert.True(expected.SetEquals(seqs), $"u{u}: missing {string.Join(',', expected.Except(seqs))}");
            duplicates += seqs.Count - seqs.Distinct().Count();
        }
        output.WriteLine($"{atKill} of {2 * Messages} delivered at the kill, {duplicates} duplicates after the restart");
        // In flight at the kill: at most one delivery batch per virtual process.
        Assert.True(duplicates <= 20, $"{duplicates} duplicates after the restart");
    }
}
