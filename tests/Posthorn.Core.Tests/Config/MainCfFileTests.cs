using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Config;

public class MainCfFileTests
{
    [Fact]
    public void Continuation_lines_join_the_previous_logical_line()
    {
        var f = MainCfFile.Parse("main.cf", "# comment\nmydestination = a,\n    b\n\nx = 1\n");
        Assert.Equal("a, b", f.ToDictionary()["mydestination"].Value);
        Assert.Equal(5, f.ToDictionary()["x"].Line);
    }

    [Fact]
    public void Missing_equals_names_file_and_line()
    {
        var e = Assert.Throws<ConfigException>(() => MainCfFile.Parse("/etc/posthorn/main.cf", "a = b\njunk\n"));
        Assert.StartsWith("/etc/posthorn/main.cf:2: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dollar_loop_is_reported_not_a_stack_overflow()
    {
        var c = MainConfig.FromText("a = $b\nb = ${a}\n");
        Assert.Throws<ConfigException>(() => c.Get("a"));
    }
}
