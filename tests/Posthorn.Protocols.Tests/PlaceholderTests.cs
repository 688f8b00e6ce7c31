namespace Posthorn.Protocols.Tests;

public class AssemblyTests
{
    [Fact]
    public void Protocols_assembly_loads() =>
        Assert.NotNull(typeof(Posthorn.Protocols.ProtocolLimits).Assembly);
}
