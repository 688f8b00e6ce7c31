using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class QueueLifecycleTests
{
    [Fact]
    public void A_file_is_ready_only_after_commit()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var w = q.Enter(QueueNames.Incoming);
        Assert.False(QueueDirectory.IsReady(w.Path));
        Assert.True(w.Commit().Ok);
        Assert.True(QueueDirectory.IsReady(w.Path));
        Assert.False(QueueDirectory.IsReady(Path.Combine(dir.Path, "incoming", "NOSUCHFILE")));
    }

    [Fact]
    public void Corrupt_files_go_to_the_corrupt_queue_read_only()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var w = q.Enter(QueueNames.Active);
        Assert.True(w.Commit().Ok);
        File.WriteAllText(w.Path, "garbage");
        Assert.Equal(QueueFileStatus.Corrupt, QueueFileReader.Read(w.Path).Status);
        q.MoveToCorrupt(w.QueueId, QueueNames.Active);
        var moved = q.PathOf(QueueNames.Corrupt, w.QueueId);
        Assert.True(File.Exists(moved));
        Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(moved));
        Assert.False(File.Exists(w.Path));
    }

    [Fact]
    public void The_modification_time_of_a_deferred_file_is_its_next_retry_time()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, ["deferred"], false);
        var w = q.Enter(QueueNames.Incoming);
        Assert.True(w.Commit().Ok);
        q.Move(w.QueueId, QueueNames.Incoming, QueueNames.Deferred);
        var path = q.PathOf(QueueNames.Deferred, w.QueueId);
        var when = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        QueueDirectory.SetNextRetry(path, when);
        Assert.Equal(when, QueueDirectory.NextRetry(path));
    }
}
