using Posthorn.Services.Master;

namespace Posthorn.Services.Tests.Master;

public sealed class QueueDirectoriesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("posthorn-queue-").FullName, "queue");

    private static int ModeOf(string path) =>
        OperatingSystem.IsWindows() ? 0 : (int)File.GetUnixFileMode(path);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dir)!, true);

    [Theory]
    [InlineData("maildrop", "1733")]
    [InlineData("public", "710")]
    [InlineData("pid", "755")]
    [InlineData("incoming", "700")]
    [InlineData("active", "700")]
    [InlineData("deferred", "700")]
    [InlineData("hold", "700")]
    [InlineData("corrupt", "700")]
    [InlineData("bounce", "700")]
    [InlineData("defer", "700")]
    [InlineData("trace", "700")]
    [InlineData("flush", "700")]
    [InlineData("saved", "700")]
    [InlineData("private", "700")]
    public void Creates_each_queue_directory_with_postfix_mode(string name, string octal)
    {
        QueueDirectories.Create(_dir, null, null);
        var mode = ModeOf(Path.Combine(_dir, name));
        Assert.Equal(Convert.ToInt32(octal, 8), mode);
    }

    [Fact]
    public void Queue_directory_itself_is_0755()
    {
        QueueDirectories.Create(_dir, null, null);
        Assert.Equal(Convert.ToInt32("755", 8), ModeOf(_dir));
    }

    [Fact]
    public void Missing_lists_what_create_makes()
    {
        Assert.Equal([_dir], QueueDirectories.Missing(_dir));
        QueueDirectories.Create(_dir, null, null);
        Assert.Empty(QueueDirectories.Missing(_dir));
        Directory.Delete(Path.Combine(_dir, "hold"));
        Assert.Equal([Path.Combine(_dir, "hold")], QueueDirectories.Missing(_dir));
    }
}
