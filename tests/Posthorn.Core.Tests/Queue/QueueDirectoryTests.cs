using Posthorn.Core.Config;
using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class QueueDirectoryTests
{
    [Fact]
    public void Hashed_queues_use_one_directory_level_per_hash_queue_depth()
    {
        Assert.Equal("deferred/3/", QueueDirectory.RelativeDirectory("deferred", "3F2A11B2C4", 1, hashed: true));
        Assert.Equal("deferred/3/F/", QueueDirectory.RelativeDirectory("deferred", "3F2A11B2C4", 2, hashed: true));
        Assert.Equal("incoming/", QueueDirectory.RelativeDirectory("incoming", "3F2A11B2C4", 2, hashed: false));
    }

    [Fact]
    public void Long_ids_hash_by_the_hex_of_their_microseconds()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(0x3F2A1 * 10);
        var id = QueueId.Create(t, 4242, longForm: true);
        Assert.Equal("defer/3/F/", QueueDirectory.RelativeDirectory("defer", id, 2, hashed: true));
    }

    [Fact]
    public void Only_queues_in_hash_queue_names_are_hashed()
    {
        var q = new QueueDirectory("/q", 1, ["deferred", "Defer"], false);
        Assert.Equal(Path.Combine("/q", "deferred/A/ABCDE1"), q.PathOf("deferred", "ABCDE1"));
        Assert.Equal(Path.Combine("/q", "defer/A/ABCDE1"), q.PathOf("defer", "ABCDE1"));
        Assert.Equal(Path.Combine("/q", "active/ABCDE1"), q.PathOf("active", "ABCDE1"));
    }

    [Fact]
    public void Rejects_bad_queue_names_and_ids()
    {
        Assert.Throws<ArgumentException>(() => QueueDirectory.RelativeDirectory("../x", "ABC", 1, true));
        Assert.Throws<ArgumentException>(() => QueueDirectory.RelativeDirectory("active", "../x", 1, true));
    }

    [Fact]
    public void Reads_its_layout_from_main_cf()
    {
        var config = MainConfig.FromText("queue_directory = /var/spool/ph\nhash_queue_depth = 2\nenable_long_queue_ids = yes\n");
        var q = QueueDirectory.FromConfig(config);
        Assert.Equal("/var/spool/ph", q.Root);
        Assert.Equal(2, q.HashDepth);
        Assert.True(q.LongQueueIds);
        Assert.True(q.IsHashed("deferred"));
        Assert.True(q.IsHashed("defer"));
        Assert.False(q.IsHashed("incoming"));
    }

    [Fact]
    public void Creates_every_queue_directory()
    {
        using var dir = new QueueTestDirectory();
        new QueueDirectory(dir.Path, 1, ["deferred"], false).EnsureDirectories();
        foreach (var name in new[] { "maildrop", "incoming", "active", "deferred", "hold", "corrupt", "bounce", "defer", "trace" })
            Assert.True(Directory.Exists(Path.Combine(dir.Path, name)), name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Queue_ids_are_unique_across_many_creations(bool longIds)
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, ["incoming"], longIds);
        var ids = new HashSet<string>();
        var open = new List<QueueFileWriter>();
        for (int i = 0; i < 500; i++)
        {
            var w = q.Enter(QueueNames.Incoming);
            Assert.True(ids.Add(w.QueueId), $"duplicate {w.QueueId}");
            Assert.True(File.Exists(q.PathOf(QueueNames.Incoming, w.QueueId)));
            if (i % 2 == 0)
                w.Abort(); // a removed file frees its inode; the id must still not repeat
            else
                open.Add(w);
        }
        Assert.Equal(250, q.Enumerate(QueueNames.Incoming).Count());
        foreach (var w in open)
            w.Abort();
    }

    [Fact]
    public void Ids_from_a_restarted_process_do_not_repeat()
    {
        using var dir = new QueueTestDirectory();
        var first = new QueueDirectory(dir.Path, 1, [], true);
        var id1 = first.Enter(QueueNames.Incoming);
        id1.Commit();
        var second = new QueueDirectory(dir.Path, 1, [], true); // as after a restart
        var id2 = second.Enter(QueueNames.Incoming);
        Assert.NotEqual(id1.QueueId, id2.QueueId);
        id2.Abort();
    }

    [Fact]
    public void Entered_file_is_named_after_its_inode()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var w = q.Enter(QueueNames.Incoming);
        ulong inode = DurableFile.Instance.GetInode(w.Path);
        Assert.EndsWith(inode.ToString("X", System.Globalization.CultureInfo.InvariantCulture), w.QueueId);
        Assert.Equal(5 + inode.ToString("X", System.Globalization.CultureInfo.InvariantCulture).Length, w.QueueId.Length);
        w.Abort();
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, "incoming")));
    }

    [Fact]
    public void Moves_a_file_into_a_hashed_queue_creating_the_subdirectory()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 2, ["deferred"], false);
        var w = q.Enter(QueueNames.Incoming);
        w.Commit();
        q.Move(w.QueueId, QueueNames.Incoming, QueueNames.Deferred);
        var expected = Path.Combine(dir.Path, "deferred", w.QueueId[0].ToString(), w.QueueId[1].ToString(), w.QueueId);
        Assert.True(File.Exists(expected));
        Assert.Equal([w.QueueId], q.Enumerate(QueueNames.Deferred));
        Assert.True(q.Remove(QueueNames.Deferred, w.QueueId));
        Assert.False(q.Remove(QueueNames.Deferred, w.QueueId));
    }
}
