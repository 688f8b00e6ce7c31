using Posthorn.Core.Maps;

namespace Posthorn.Core.Tests.Maps;

public class SourceLinesTests
{
    [Fact]
    public void Skips_comments_and_blank_lines_and_joins_continuations()
    {
        var lines = SourceLines.Read(new StringReader("# c\n\na 1\n  more\n   # not a comment inside\nb 2\n")).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(3, lines[0].Number);
        Assert.Equal("a 1  more", lines[0].Text);
        Assert.Equal(6, lines[1].Number);
    }

    [Fact]
    public void Quoted_keys_hold_whitespace_and_keep_their_quotes_as_postfix_37()
    {
        Assert.True(SourceLines.SplitKeyValue("\"sp ace\\\"q\"  value here ", out var k, out var v));
        Assert.Equal("\"sp ace\\\"q\"", k);
        Assert.Equal("value here", v);
    }

    [Fact]
    public void A_key_without_value_is_rejected()
    {
        Assert.False(SourceLines.SplitKeyValue("novalue", out _, out _));
    }
}
