using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class TablesTests
{
    [Fact]
    public void Open_caches_by_name()
    {
        using var f = new MapFixture();
        Assert.Same(Tables.Open("inline:{a=1}", f.Config), Tables.Open("inline:{a=1}", f.Config));
    }

    [Fact]
    public void A_rebuilt_table_is_seen_without_restart()
    {
        using var f = new MapFixture();
        var src = Path.Combine(f.Dir, "virtual");
        TableBuilder.Write("hash", src, [new("a", "old")]);
        var t = FreshTable.Wrap("hash:" + src, f.Options);
        Assert.Equal("old", t.Lookup("a"));
        var saved = Tables.FreshnessCheckInterval;
        try
        {
            Tables.FreshnessCheckInterval = TimeSpan.Zero;
            TableBuilder.Write("hash", src, [new("a", "new"), new("b", "added")]);
            File.SetLastWriteTimeUtc(src + ".db", DateTime.UtcNow.AddSeconds(5));
            Assert.Equal("new", t.Lookup("a"));
            Assert.Equal("added", t.Lookup("b"));
        }
        finally
        {
            Tables.FreshnessCheckInterval = saved;
        }
    }

    [Fact]
    public void OpenList_opens_alias_maps_in_order_with_nis()
    {
        using var f = new MapFixture("alias_maps = inline:{ { root = a, b } }, nis:mail.aliases\n");
        var tables = Tables.OpenList("alias_maps", f.Config, _ => { });
        Assert.Equal(["inline", "nis"], tables.Select(t => t.Type));
        Assert.Equal("a, b", tables[0].Lookup("root"));
    }

    [Theory]
    [InlineData("hash:/etc/aliases", "/etc/aliases.db")]
    [InlineData("lmdb:/x/y", "/x/y.lmdb")]
    [InlineData("cdb:/x/y", "/x/y.cdb")]
    [InlineData("regexp:/x/r", "/x/r")]
    [InlineData("proxy:hash:/x/v", "/x/v.db")]
    [InlineData("inline:{a=1}", null)]
    public void Freshness_watches_the_file_postmap_replaces(string name, string? file)
    {
        Assert.Equal(file, FreshTable.BackingFile(name));
    }
}
