using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public sealed class PidFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posthorn-pid-").FullName;

    private string PidPath => Path.Combine(_dir, "master.pid");

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Pid_is_right_aligned_in_32_columns_like_postfix()
    {
        var text = PidFile.Format(1234);
        Assert.Equal(33, text.Length);
        Assert.Equal(new string(' ', 28) + "1234\n", text);
    }

    [Fact]
    public void Parses_the_padded_pid() => Assert.Equal(1234, PidFile.Parse(PidFile.Format(1234)));

    [Fact]
    public void Garbage_is_no_pid() => Assert.Null(PidFile.Parse("junk\n"));

    [Fact]
    public void Holder_writes_its_pid_and_shows_as_running()
    {
        using var pid = PidFile.TryAcquire(PidPath, 4242);
        Assert.NotNull(pid);
        Assert.Equal(PidFile.Format(4242), File.ReadAllText(PidPath));
        Assert.Equal((true, 4242), PidFile.Probe(PidPath));
    }

    [Fact]
    public void Second_master_cannot_take_the_lock()
    {
        using var first = PidFile.TryAcquire(PidPath, 1);
        Assert.NotNull(first);
        Assert.Null(PidFile.TryAcquire(PidPath, 2));
    }

    [Fact]
    public void Released_lock_means_not_running()
    {
        PidFile.TryAcquire(PidPath, 99)!.Dispose();
        // A child another test forks at this moment shares the open file (and its lock) until it execs.
        var probe = PidFile.Probe(PidPath);
        for (int i = 0; i < 50 && probe.Item1; i++)
        {
            Thread.Sleep(20);
            probe = PidFile.Probe(PidPath);
        }
        Assert.Equal((false, 99), probe);
    }

    [Fact]
    public void Missing_file_means_not_running() => Assert.Equal((false, null), PidFile.Probe(PidPath));

    [Fact]
    public void Only_a_stale_pid_file_is_removed()
    {
        var held = PidFile.TryAcquire(PidPath, 7)!;
        Assert.False(PidFile.RemoveIfStale(PidPath));
        Assert.True(File.Exists(PidPath));
        held.Dispose();
        Assert.True(PidFile.RemoveIfStale(PidPath));
        Assert.False(File.Exists(PidPath));
    }

    [Fact]
    public void Pid_file_lives_in_the_queue_directory() =>
        Assert.Equal("/var/spool/posthorn/pid/master.pid", PidFile.PathFor("/var/spool/posthorn"));
}
