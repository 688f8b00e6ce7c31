using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class TextHashTableTests
{
    [Fact]
    public void Folds_keys_and_keeps_the_first_duplicate_with_a_warning()
    {
        using var f = new MapFixture();
        var path = f.Write("t", "Foo bar\nfoo baz\n");
        var t = f.Open("texthash:" + path);
        Assert.Equal("bar", t.Lookup("FOO"));
        Assert.Contains(f.Warnings, w => w == $"{path}, line 2: duplicate entry: \"foo\"");
    }

    [Fact]
    public void A_line_without_a_value_warns_with_file_and_line_and_the_rest_loads()
    {
        using var f = new MapFixture();
        var path = f.Write("t", "a 1\nnovalue\nb 2\n");
        var t = f.Open("texthash:" + path);
        Assert.Equal("2", t.Lookup("b"));
        Assert.Equal([$"{path}, line 2: expected format: key whitespace value -- ignoring this line"], f.Warnings);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        using var f = new MapFixture();
        var e = Assert.Throws<TableOpenException>(() => f.Open("texthash:" + f.Dir + "/none"));
        Assert.Equal($"open database {f.Dir}/none: No such file or directory", e.Message);
    }

    [Fact]
    public void NoFold_keeps_case()
    {
        using var f = new MapFixture();
        var path = f.Write("t", "Foo bar\n");
        var t = TableTypes.OpenUncached("texthash:" + path, f.Options with { FoldCase = false });
        Assert.Null(t.Lookup("foo"));
        Assert.Equal("bar", t.Lookup("Foo"));
    }
}
