using Posthorn.Core.Queue;
using Posthorn.Services.Bounce;

namespace Posthorn.Services.Tests.Bounce;

public class RecipientLogTests
{
    [Fact]
    public void Records_round_trip_with_their_diagnostics()
    {
        var dir = Path.Combine(Path.GetTempPath(), "posthorn-rlog-" + Guid.NewGuid().ToString("N"));
        try
        {
            var queue = new QueueDirectory(dir, 1, ["deferred", "defer"], false);
            var log = new RecipientLog(queue);
            var s = new RecipientStatus("a@x", "5.1.1", "failed", "host x said: 550\nUser unknown", "alias@x", "rfc822;alias@x",
                DsnNotify.Failure | DsnNotify.Delay, "dns", "mx.x", "smtp", "550 5.1.1 User unknown");
            log.Append(QueueNames.Defer, "ABC123", s, 42);
            log.AppendFlag(QueueNames.Defer, "ABC123", "delay_warning_sent");
            log.Append(QueueNames.Defer, "ABC123", s with { Address = "b@x" }, 99);

            Assert.True(File.Exists(Path.Combine(dir, "defer", "A", "ABC123")));
            var read = log.Read(QueueNames.Defer, "ABC123");
            Assert.Equal(2, read.Count);
            Assert.Equal(s with { Reason = "host x said: 550 User unknown" }, read[0].Status);
            Assert.Equal(42, read[0].Offset);
            Assert.Equal("b@x", read[1].Status.Address);
            Assert.True(log.HasFlag(QueueNames.Defer, "ABC123", "delay_warning_sent"));
            log.Delete(QueueNames.Defer, "ABC123");
            Assert.Empty(log.Read(QueueNames.Defer, "ABC123"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Notify_flags_written_as_text_are_read()
    {
        var dir = Path.Combine(Path.GetTempPath(), "posthorn-rlog-" + Guid.NewGuid().ToString("N"));
        try
        {
            var queue = new QueueDirectory(dir, 0, [], false);
            Directory.CreateDirectory(Path.Combine(dir, "bounce"));
            File.WriteAllText(Path.Combine(dir, "bounce", "ABC"), "recipient=a@x\noffset=7\nnotify_flags=SUCCESS,FAILURE\nstatus=5.0.0\naction=failed\nreason=no\n\n");
            var e = Assert.Single(new RecipientLog(queue).Read(QueueNames.Bounce, "ABC"));
            Assert.Equal(DsnNotify.Success | DsnNotify.Failure, e.Status.Notify);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
