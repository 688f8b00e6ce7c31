using System.Diagnostics;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Smtpd;

/// <summary>
/// Crash safety: the master is killed with SIGKILL while four python clients send 200 messages;
/// after a restart every message that got "250 2.0.0 Ok: queued as ID" is in the queue and reads
/// back whole.
/// </summary>
public sealed class SmtpdDurabilityTests
{
    [Fact]
    public async Task Every_acknowledged_message_survives_SIGKILL_of_the_master()
    {
        using var ms = SmtpdEndToEndTests.Start(out int port);
        var script = $$"""
            import smtplib, threading, sys
            acked = []
            lock = threading.Lock()
            def client(n):
                s = None
                for i in range(50):
                    try:
                        if s is None:
                            s = smtplib.SMTP("127.0.0.1", {{port}}, timeout=10)
                            s.ehlo("c%d.example.org" % n)
                        s.mail("alice@example.org")
                        s.rcpt("bob@mail.example.test")
                        code, msg = s.data(("Subject: m %d/%d\r\n\r\n" % (n, i)) + ("x" * 70 + "\r\n") * 40)
                        if code == 250:
                            with lock:
                                acked.append(msg.decode().split()[-1])
                    except Exception:
                        s = None
            threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
            for t in threads: t.start()
            for t in threads: t.join()
            for a in acked: print("ACK", a)
            """;
        var path = Path.Combine(ms.Dir, "clients.py");
        File.WriteAllText(path, script);
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();

        // Files appear in incoming before their 250 (at most one in flight per client), so wait for
        // 80 to be sure at least 60 were acknowledged when the master is killed.
        var incoming = Path.Combine(ms.Dir, "queue", "incoming");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60) && !p.HasExited
               && (!Directory.Exists(incoming) || Directory.GetFiles(incoming, "*", SearchOption.AllDirectories).Length < 80))
            Thread.Sleep(20);
        var pid = ms.MasterPid();
        Assert.NotNull(pid);
        Assert.False(p.HasExited, "the clients finished before the kill");
        MailSystem.Run("kill", ["-KILL", pid.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(p.WaitForExit(120_000), "clients did not finish");
        var output = await stdout;
        var errors = await stderr;
        var acked = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("ACK ", StringComparison.Ordinal)).Select(l => l[4..].Trim()).ToList();
        Assert.True(acked.Count >= 60, $"only {acked.Count} acknowledged; stderr: {errors}");
        Assert.True(acked.Count < 200, "the kill came too late to test anything");

        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr);
        var files = new[] { "incoming", "active", "deferred" }
            .Select(q => Path.Combine(ms.Dir, "queue", q))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories))
            .ToDictionary(f => Path.GetFileName(f), f => f);
        foreach (var id in acked)
        {
            Assert.True(files.TryGetValue(id, out var file), $"acknowledged {id} is missing from the queue");
            var read = Posthorn.Core.Queue.QueueFileReader.Read(file!);
            Assert.True(read.Ok, $"{id}: {read.Error}");
            Assert.Equal("bob@mail.example.test", Assert.Single(read.File!.Recipients).Address);
        }
    }
}
