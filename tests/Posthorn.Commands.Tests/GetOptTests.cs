using Posthorn.Commands.Common;

namespace Posthorn.Commands.Tests;

public class GetOptTests
{
    [Fact]
    public void Bundled_letters_and_attached_argument()
    {
        var g = new GetOpt(["-nc/etc/x", "name"], "c:n");
        Assert.True(g.Has('n'));
        Assert.Equal("/etc/x", g.Value('c'));
        Assert.Equal(["name"], g.Operands);
    }

    [Fact]
    public void Unknown_option_is_a_usage_error() =>
        Assert.Throws<UsageException>(() => new GetOpt(["-z"], "c:n"));
}
