using Posthorn.Core.Addressing;

namespace Posthorn.Core.Tests.Addressing;

public sealed class HostAddressSyntaxTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("2001:db8::25")]
    public void Valid_addresses(string a) => Assert.True(HostAddressSyntax.IsValid(a));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("0.1.2.3")]
    [InlineData("1..2.3")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("1:2")]
    [InlineData("")]
    public void Invalid_addresses_as_Postfix_valid_hostaddr(string a) => Assert.False(HostAddressSyntax.IsValid(a));
}
