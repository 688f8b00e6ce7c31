using System.Diagnostics;
using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Services.Tests.Qmgr;

/// <summary>
/// Durability of the queue manager alone: a separate process delivering a batch through a slow
/// agent is SIGKILLed mid-batch and started again; every recipient is delivered exactly once
/// (counted in the agent's own log), and the queue ends empty.
/// </summary>
public class QmgrDurabilityTests
{
    [Fact]
    public void Sigkill_during_a_batch_then_restart_delivers_every_recipient_exactly_once()
    {
        var dir = Path.Combine(Path.GetTempPath(), "posthorn-qmgr-kill-" + Guid.NewGuid().ToString("N"));
        var queueDir = Path.Combine(dir, "queue");
        var agentLog = Path.Combine(dir, "agent.log");
        Directory.CreateDirectory(dir);
        try
        {
            var queue = new QueueDirectory(queueDir, 1, ["deferred", "defer"], false);
            queue.EnsureDirectories();
            var expected = new List<string>();
            for (int m = 0; m < 3; m++)
            {
                using var w = queue.Enter(QueueNames.Incoming);
                w.WriteArrivalTime(DateTimeOffset.UtcNow);
                w.WriteSender("sender@example.com");
                for (int r = 0; r < 4; r++)
                    w.WriteRecipient(new QueueRecipientSpec($"r{m}{r}@remote.example"));
                w.AppendContent("Subject: batch\r\n\r\nbody\r\n"u8);
                var c = w.Commit();
                Assert.True(c.Ok, c.Error);
                for (int r = 0; r < 4; r++)
                    expected.Add($"{c.QueueId} r{m}{r}@remote.example");
            }

            using (var first = StartHost(queueDir, agentLog))
            {
                var sw = Stopwatch.StartNew();
                while (Lines(agentLog).Count < 5 && sw.ElapsedMilliseconds < 30_000)
                    Thread.Sleep(10);
                Assert.True(Lines(agentLog).Count >= 5, "the first run delivered too little");
                // Land in the middle of the agent's next wait.
                Thread.Sleep(100);
                first.Kill();
                first.WaitForExit();
            }
            var afterKill = Lines(agentLog).Count;
            Assert.True(afterKill < expected.Count, "the kill came after the whole batch");
            Assert.NotEmpty(queue.Enumerate(QueueNames.Active));

            using (var second = StartHost(queueDir, agentLog))
            {
                var sw = Stopwatch.StartNew();
                while ((Lines(agentLog).Count < expected.Count || QueueNames.All.Any(q => q is QueueNames.Active or QueueNames.Incoming && queue.Enumerate(q).Any()))
                       && sw.ElapsedMilliseconds < 60_000)
                    Thread.Sleep(20);
                Thread.Sleep(300);
                second.Kill();
                second.WaitForExit();
            }
            var delivered = Lines(agentLog);
            Assert.Equal(expected.Order(), delivered.Order());
            Assert.Empty(queue.Enumerate(QueueNames.Active));
            Assert.Empty(queue.Enumerate(QueueNames.Incoming));
            Assert.Empty(queue.Enumerate(QueueNames.Deferred));
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static List<string> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path, Encoding.ASCII).Where(l => l.Length > 0).ToList() : [];

    private static Process StartHost(string queueDir, string agentLog)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "exec", typeof(DurabilityHost).Assembly.Location, "qmgr-durability-host", queueDir, agentLog, "150" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        return p;
    }
}
