using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class IndexedTableTests
{
    [Theory]
    [InlineData("hash", ".db")]
    [InlineData("btree", ".db")]
    [InlineData("lmdb", ".lmdb")]
    [InlineData("cdb", ".cdb")]
    public void Builds_and_reads_back_every_entry(string type, string suffix)
    {
        using var f = new MapFixture();
        var src = Path.Combine(f.Dir, "virtual");
        var entries = Enumerable.Range(0, 5000).Select(i => new KeyValuePair<string, string>($"user{i}@example.com", $"local{i}")).ToList();
        entries.Add(new("ünïcode@example.com", "värde"));
        TableBuilder.Write(type, src, entries);
        Assert.True(File.Exists(src + suffix));
        Assert.False(File.Exists($"{src}{suffix}.tmp.{Environment.ProcessId}"));
        var t = f.Open($"{type}:{src}");
        Assert.Equal("local4999", t.Lookup("USER4999@example.com"));
        Assert.Equal("värde", t.Lookup("ünïcode@example.com"));
        Assert.Null(t.Lookup("nobody@example.com"));
        Assert.Equal(entries, t.Sequence().ToList());
    }

    [Fact]
    public void Empty_table_finds_nothing()
    {
        using var f = new MapFixture();
        var src = Path.Combine(f.Dir, "empty");
        TableBuilder.Write("hash", src, []);
        Assert.Null(f.Open("hash:" + src).Lookup("x"));
    }

    [Fact]
    public void Missing_indexed_file_is_postfix_open_database_error()
    {
        using var f = new MapFixture();
        var e = Assert.Throws<TableOpenException>(() => f.Open($"hash:{f.Dir}/aliases"));
        Assert.Equal($"open database {f.Dir}/aliases.db: No such file or directory", e.Message);
    }

    [Fact]
    public void A_file_in_another_format_is_rejected_clearly()
    {
        using var f = new MapFixture();
        f.Write("x.db", "this is not a table at all, just text that is long enough");
        var e = Assert.Throws<TableOpenException>(() => f.Open($"hash:{f.Dir}/x"));
        Assert.Contains("rebuild it with postmap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cdb_output_is_byte_identical_to_postfix_postmap()
    {
        // Debian's Postfix 3.7: printf 'a 1\nb 2\n' > t; postmap cdb:t; sha256sum t.cdb
        using var f = new MapFixture();
        var src = Path.Combine(f.Dir, "t");
        TableBuilder.Write("cdb", src, [new("a", "1"), new("b", "2")]);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(src + ".cdb")));
        Assert.Equal("f99e5a71b743de3e7e7b845797d58ec9fcf6e0b8d632c6a17a5189bbb8a7fcb3", hash);
    }

    [Fact]
    public void A_reader_keeps_its_table_while_postmap_renames_a_new_one_over_it()
    {
        using var f = new MapFixture();
        var src = Path.Combine(f.Dir, "t");
        TableBuilder.Write("hash", src, [new("a", "old")]);
        var before = f.Open("hash:" + src);
        TableBuilder.Write("hash", src, [new("a", "new")]);
        Assert.Equal("old", before.Lookup("a"));
        Assert.Equal("new", f.Open("hash:" + src).Lookup("a"));
        Assert.Single(Directory.GetFiles(f.Dir, "t.db*"));
    }
}
