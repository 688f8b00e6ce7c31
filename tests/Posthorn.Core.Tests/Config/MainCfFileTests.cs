using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Config;

/// <summary>main.cf syntax rules from postconf(5) "DESCRIPTION".</summary>
public class MainCfFileTests
{
    private static Dictionary<string, MainCfEntry> Parse(string text) => MainCfFile.Parse("main.cf", text).ToDictionary();

    [Fact]
    public void Continuation_lines_join_the_previous_logical_line_keeping_their_text()
    {
        var f = Parse("# comment\nmydestination = a,\n    b\n\nx = 1\n");
        Assert.Equal("a,    b", f["mydestination"].Value);
        Assert.Equal(5, f["x"].Line);
    }

    [Fact]
    public void Comment_and_empty_lines_inside_a_continuation_are_skipped()
    {
        var f = Parse("relayhost = x\n   y\n  # comment inside\n\n\tz\n");
        Assert.Equal("x   y\tz", f["relayhost"].Value);
    }

    [Fact]
    public void Whitespace_around_name_and_value_is_dropped()
    {
        var f = Parse("  \nmyorigin   =    example.com   \t\n");
        Assert.Equal("example.com", f["myorigin"].Value);
    }

    [Fact]
    public void Empty_value_is_allowed()
    {
        Assert.Equal("", Parse("relayhost =\n")["relayhost"].Value);
    }

    [Fact]
    public void Last_definition_wins_with_a_warning()
    {
        var file = MainCfFile.Parse("main.cf", "myorigin = a\nmyorigin = b\n");
        Assert.Equal("b", file.ToDictionary()["myorigin"].Value);
        Assert.Equal(2, file.ToDictionary()["myorigin"].Line);
        Assert.Equal("main.cf:2: overriding earlier entry: myorigin=a", Assert.Single(file.Warnings));
    }

    [Fact]
    public void Crlf_line_ends_are_accepted()
    {
        Assert.Equal("b", Parse("a = b\r\nc = d\r\n")["a"].Value);
    }

    [Fact]
    public void Leading_whitespace_line_is_warned_about_and_skipped()
    {
        var f = MainCfFile.Parse("main.cf", "  a = b\nc = d\n");
        Assert.Single(f.Entries);
        Assert.Equal("main.cf: logical line must not start with whitespace: \"  a = b\"", Assert.Single(f.Warnings));
    }

    [Fact]
    public void Missing_equals_names_file_and_line_in_postfix_words()
    {
        var e = Assert.Throws<ConfigException>(() => MainCfFile.Parse("/etc/posthorn/main.cf", "a = b\n\njunk\n  more\n"));
        Assert.Equal("/etc/posthorn/main.cf:3: missing '=' after attribute name: \"junk  more\"", e.Message);
        Assert.Equal(3, e.Line);
        Assert.Equal("/etc/posthorn/main.cf", e.File);
    }

    [Fact]
    public void Name_with_whitespace_is_missing_equals()
    {
        var e = Assert.Throws<ConfigException>(() => MainCfFile.Parse("main.cf", "a b = c\n"));
        Assert.Equal("main.cf:1: missing '=' after attribute name: \"a b = c\"", e.Message);
    }

    [Fact]
    public void Missing_name_is_reported()
    {
        var e = Assert.Throws<ConfigException>(() => MainCfFile.Parse("main.cf", "= c\n"));
        Assert.Equal("main.cf:1: missing attribute name: \"= c\"", e.Message);
    }

    [Fact]
    public void List_items_keep_braced_text_together()
    {
        var items = MainConfig.SplitList("hash:/etc/a, inline:{ bob=1, alice=1 } texthash:/b");
        Assert.Equal(["hash:/etc/a", "inline:{ bob=1, alice=1 }", "texthash:/b"], items);
    }
}
