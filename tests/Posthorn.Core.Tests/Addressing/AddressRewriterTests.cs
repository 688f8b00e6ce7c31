using Posthorn.Core.Addressing;

namespace Posthorn.Core.Tests.Addressing;

public class AddressRewriterTests
{
    private readonly AddressRewriter _r = new(AddressingConfig.With());

    [Theory]
    [InlineData("user", "user@example.com")]
    [InlineData("user@host", "user@host.example.com")]
    [InlineData("user@host.org", "user@host.org")]
    [InlineData("user@host.org.", "user@host.org")]
    [InlineData("@a,@b:user@dest.org", "user@dest.org")]
    [InlineData("site!user", "user@site.example.com")]
    [InlineData("user%dest.org", "user@dest.org")]
    [InlineData("user@[192.0.2.1]", "user@[192.0.2.1]")]
    [InlineData("", "")]
    [InlineData("@", "")]
    public void Local_context_rewrites_to_standard_form(string input, string expected) =>
        Assert.Equal(expected, _r.Rewrite(input));

    [Fact]
    public void Remote_context_appends_nothing_without_remote_header_rewrite_domain()
    {
        Assert.Equal("user", _r.Rewrite("user", RewriteContext.Remote));
    }

    [Fact]
    public void Remote_context_uses_remote_header_rewrite_domain()
    {
        var r = new AddressRewriter(AddressingConfig.With("remote_header_rewrite_domain = domain.invalid"));
        Assert.Equal("user@domain.invalid", r.Rewrite("user", RewriteContext.Remote));
    }

    [Fact]
    public void Bang_path_left_alone_when_swap_bangpath_is_off()
    {
        var r = new AddressRewriter(AddressingConfig.With("swap_bangpath = no\nallow_percent_hack = no"));
        Assert.Equal("site!user@example.com", r.Rewrite("site!user"));
    }
}
