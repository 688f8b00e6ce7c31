using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class DurableFileTests
{
    [Fact]
    public void WriteAtomic_replaces_the_whole_file_and_leaves_no_temporary()
    {
        using var dir = new QueueTestDirectory();
        var path = Path.Combine(dir.Path, "pid");
        File.WriteAllText(path, "old contents, longer than the new");
        DurableFile.Instance.WriteAtomic(path, "new"u8);
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["pid"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void CreateNew_refuses_an_existing_file_and_creates_mode_0600()
    {
        using var dir = new QueueTestDirectory();
        var path = Path.Combine(dir.Path, "f");
        using (DurableFile.Instance.CreateNew(path)) { }
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => DurableFile.Instance.CreateNew(path));
    }

    [Fact]
    public void Rename_never_replaces_an_existing_file()
    {
        using var dir = new QueueTestDirectory();
        var a = Path.Combine(dir.Path, "a");
        var b = Path.Combine(dir.Path, "sub", "b");
        File.WriteAllText(a, "a");
        DurableFile.Instance.Rename(a, b);
        Assert.Equal("a", File.ReadAllText(b));
        File.WriteAllText(a, "again");
        Assert.Throws<IOException>(() => DurableFile.Instance.Rename(a, b));
        Assert.Equal("a", File.ReadAllText(b));
    }

    [Fact]
    public void Move_fsyncs_both_directories()
    {
        using var dir = new QueueTestDirectory();
        var fs = new FaultyFileSystem();
        var q = new QueueDirectory(dir.Path, 1, ["deferred"], false, fs);
        var w = q.Enter(QueueNames.Incoming);
        Assert.True(w.Commit().Ok);
        fs.Calls.Clear();
        q.Move(w.QueueId, QueueNames.Incoming, QueueNames.Deferred);
        Assert.Equal(["Rename", "SyncDirectory", "SyncDirectory"], fs.Calls);
    }
}
