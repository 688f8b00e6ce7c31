using System.Text;
using Posthorn.Services.Imapd;
using Posthorn.Services.Tests.MailStore;

namespace Posthorn.Services.Tests.Imapd;

public sealed class ImapFetchCacheTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string CachePath => Path.Combine(_dir.Path, ImapFetchCache.FileName);

    private static ImapCachedMessage Message(int n) =>
        new(Encoding.ASCII.GetBytes($"(\"env {n}\")"), Encoding.ASCII.GetBytes($"(\"text\" \"plain\" {n})"), Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\n"));

    private static void AssertSame(ImapCachedMessage expected, ImapCachedMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Envelope, actual.Envelope);
        Assert.Equal(expected.BodyStructure, actual.BodyStructure);
        Assert.Equal(expected.Header, actual.Header);
    }

    [Fact]
    public void Records_written_by_one_session_are_read_by_the_next()
    {
        using (var cache = ImapFetchCache.Open(_dir.Path, 77, [1, 2, 3])!)
        {
            cache.Add(1, Message(1));
            cache.Add(3, Message(3));
        }
        using var again = ImapFetchCache.Open(_dir.Path, 77, [1, 2, 3])!;
        AssertSame(Message(1), again.TryGet(1));
        Assert.Null(again.TryGet(2));
        AssertSame(Message(3), again.TryGet(3));
    }

    [Fact]
    public void Two_sessions_appending_at_once_keep_every_record()
    {
        using (var a = ImapFetchCache.Open(_dir.Path, 5, [1, 2])!)
        using (var b = ImapFetchCache.Open(_dir.Path, 5, [1, 2])!)
        {
            a.Add(1, Message(1));
            b.Add(2, Message(2));
            a.Flush();
            b.Flush();
        }
        using var c = ImapFetchCache.Open(_dir.Path, 5, [1, 2])!;
        AssertSame(Message(1), c.TryGet(1));
        AssertSame(Message(2), c.TryGet(2));
    }

    [Fact]
    public void A_new_uidvalidity_discards_the_records()
    {
        using (var cache = ImapFetchCache.Open(_dir.Path, 1, [1])!)
            cache.Add(1, Message(1));
        using var renewed = ImapFetchCache.Open(_dir.Path, 2, [1])!;
        Assert.Null(renewed.TryGet(1));
    }

    [Fact]
    public void A_damaged_tail_is_ignored_and_cut_off()
    {
        using (var cache = ImapFetchCache.Open(_dir.Path, 9, [1, 2])!)
        {
            cache.Add(1, Message(1));
            cache.Add(2, Message(2));
        }
        var bytes = File.ReadAllBytes(CachePath);
        bytes[^3] ^= 0xff; // the second record's checksum
        File.WriteAllBytes(CachePath, [.. bytes, .. "garbage"u8.ToArray()]);
        using (var cache = ImapFetchCache.Open(_dir.Path, 9, [1, 2])!)
        {
            AssertSame(Message(1), cache.TryGet(1));
            Assert.Null(cache.TryGet(2));
            cache.Add(2, Message(2));
        }
        using var again = ImapFetchCache.Open(_dir.Path, 9, [1, 2])!;
        AssertSame(Message(2), again.TryGet(2));
    }

    [Fact]
    public void Records_of_expunged_messages_are_dropped_when_they_outnumber_the_live_ones()
    {
        var all = Enumerable.Range(1, 400).Select(i => (uint)i).ToList();
        using (var cache = ImapFetchCache.Open(_dir.Path, 3, all)!)
        {
            foreach (var uid in all)
                cache.Add(uid, Message((int)uid));
        }
        var before = new FileInfo(CachePath).Length;
        using var compacted = ImapFetchCache.Open(_dir.Path, 3, [7, 300])!;
        Assert.True(new FileInfo(CachePath).Length < before / 50, "the cache was not compacted");
        AssertSame(Message(7), compacted.TryGet(7));
        AssertSame(Message(300), compacted.TryGet(300));
        Assert.Null(compacted.TryGet(8));
    }

    [Fact]
    public void A_header_only_record_from_search_gives_way_to_a_complete_one_but_never_the_reverse()
    {
        var headerOnly = new ImapCachedMessage([], [], Encoding.ASCII.GetBytes("Subject: 1\r\n\r\n"));
        using (var search = ImapFetchCache.Open(_dir.Path, 4, [1, 2])!)
        {
            search.Add(1, headerOnly);
            search.Add(2, Message(2));
            search.Add(2, headerOnly); // the same session wrote a complete record: ignored
        }
        using (var fetch = ImapFetchCache.Open(_dir.Path, 4, [1, 2])!)
        {
            Assert.False(fetch.TryGet(1)!.Complete);
            Assert.Equal(headerOnly.Header, fetch.TryGet(1)!.Header);
            fetch.Add(1, Message(1));
        }
        using (var other = ImapFetchCache.Open(_dir.Path, 4, [1, 2])!)
        {
            other.Add(1, headerOnly);
            other.Add(2, headerOnly);
        }
        using var last = ImapFetchCache.Open(_dir.Path, 4, [1, 2])!;
        AssertSame(Message(1), last.TryGet(1));
        AssertSame(Message(2), last.TryGet(2));
    }

    [Fact]
    public void A_cache_that_cannot_be_written_is_simply_absent() =>
        Assert.Null(ImapFetchCache.Open(Path.Combine(_dir.Path, "no-such-folder"), 1, []));
}
