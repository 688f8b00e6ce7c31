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

public class TableListTests
{
    [Fact]
    public void First_table_that_finds_the_key_answers()
    {
        using var f = new MapFixture("virtual_alias_maps = inline:{ a=1 }, inline:{ a=2, b=3 }\nmyorigin = example.com\nmydestination = example.com\n");
        var list = TableList.FromParameter("virtual_alias_maps", f.Config);
        Assert.Equal("1", list.Find("a"));
        Assert.Equal("3", list.Find("b"));
        Assert.Null(list.Find("c"));
        Assert.Equal("3", list.Find(t => AddressLookup.Virtual(t, "b@example.com", f.Config))!.Value);
    }

    [Fact]
    public void A_failing_table_stops_the_search()
    {
        using var f = new MapFixture("transport_maps = fail:x, inline:{ a=1 }\n");
        var list = TableList.FromParameter("transport_maps", f.Config);
        Assert.Throws<TableLookupException>(() => list.Find("a"));
    }
}
