namespace Posthorn.Services.Tests;

public class AssemblyTests
{
    [Fact]
    public void Services_assembly_loads() =>
        Assert.NotNull(typeof(Posthorn.Core.Config.MainConfig).Assembly);
}
