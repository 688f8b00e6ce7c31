using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class QueueSpaceTests
{
    [Theory]
    [InlineData(1_000_000L, 0L, 0L, true)]
    [InlineData(1_000_000L, 1_000_000L, 0L, false)]   // no more than queue_minfree free
    [InlineData(1_000_000L, 600_000L, 400_000L, false)] // no room after queue_minfree
    [InlineData(1_000_000L, 0L, 500_000L, false)]       // would take half the free space
    [InlineData(1_000_000L, 100_000L, 300_000L, true)]
    public void Applies_Postfix_free_space_rules(long free, long minfree, long size, bool ok) =>
        Assert.Equal(ok, QueueSpace.HasRoom(free, minfree, size));

    [Fact]
    public void Measures_the_real_file_system() => Assert.True(QueueSpace.FreeBytes(Path.GetTempPath()) > 0);
}
