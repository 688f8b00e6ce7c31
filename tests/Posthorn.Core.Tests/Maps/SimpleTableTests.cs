using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class SimpleTableTests
{
    [Fact]
    public void Inline_table_with_braced_values()
    {
        using var f = new MapFixture();
        var t = f.Open("inline:{ Key=Value, { other = text, with commas } }");
        Assert.Equal("Value", t.Lookup("KEY"));
        Assert.Equal("text, with commas", t.Lookup("other"));
        Assert.Null(t.Lookup("none"));
    }

    [Fact]
    public void Inline_without_braces_is_postfix_syntax_error()
    {
        using var f = new MapFixture();
        var e = Assert.Throws<TableOpenException>(() => f.Open("inline:a=1"));
        Assert.Equal("bad syntax: \"inline:a=1\"; need \"inline:{name=value...}\"", e.Message);
    }

    [Fact]
    public void Static_returns_its_value_for_every_key()
    {
        using var f = new MapFixture();
        Assert.Equal("relay:[mx]", f.Open("static:relay:[mx]").Lookup("anything"));
        Assert.Equal("hello world", f.Open("static:{ hello world }").Lookup("x"));
    }

    [Fact]
    public void Fail_fails_every_lookup()
    {
        using var f = new MapFixture();
        var e = Assert.Throws<TableLookupException>(() => f.Open("fail:oops").Lookup("x"));
        Assert.Equal("table fail:oops: query error: Application error", e.Message);
    }

    [Fact]
    public void Unionmap_joins_every_result()
    {
        using var f = new MapFixture();
        var t = f.Open("unionmap:{inline:{a=1}, inline:{A=2}, inline:{b=3}}");
        Assert.Equal("1,2", t.Lookup("A"));
        Assert.Null(t.Lookup("z"));
    }

    [Fact]
    public void Pipemap_feeds_each_result_to_the_next_table()
    {
        using var f = new MapFixture();
        var t = f.Open("pipemap:{inline:{a=b}, inline:{b=c}}");
        Assert.Equal("c", t.Lookup("a"));
        Assert.Null(t.Lookup("b"));
    }

    [Fact]
    public void Environ_reads_environment_variables()
    {
        using var f = new MapFixture();
        Environment.SetEnvironmentVariable("POSTHORN_MAP_TEST", "v");
        Assert.Equal("v", f.Open("environ:x").Lookup("POSTHORN_MAP_TEST"));
    }

    [Fact]
    public void Nis_is_accepted_and_finds_nothing_as_postfix_without_nis()
    {
        using var f = new MapFixture();
        Assert.Null(f.Open("nis:mail.aliases").Lookup("root"));
        Assert.Equal(["dict_nis_init: NIS domain name not set - NIS lookups disabled"], f.Warnings);
    }

    [Fact]
    public void Proxy_passes_through_to_the_table()
    {
        using var f = new MapFixture();
        Assert.Equal("1", f.Open("proxy:inline:{a=1}").Lookup("a"));
    }

    [Fact]
    public void Unknown_type_names_the_type()
    {
        using var f = new MapFixture();
        Assert.Equal("unsupported dictionary type: foo", Assert.Throws<TableOpenException>(() => f.Open("foo:bar")).Message);
        Assert.Equal("open dictionary: expecting \"type:name\" form instead of \"environ:\"", Assert.Throws<TableOpenException>(() => f.Open("environ:")).Message);
    }

    [Fact]
    public void Registry_lists_the_types_for_postconf_m()
    {
        Assert.Equal(["btree", "cdb", "cidr", "environ", "fail", "hash", "inline", "lmdb", "nis", "pcre", "pipemap", "proxy", "regexp", "sqlite", "static", "texthash", "unionmap", "unix"], TableTypes.Names);
    }
}
