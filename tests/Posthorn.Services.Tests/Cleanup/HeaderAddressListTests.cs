using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Tests.Cleanup;

public class HeaderAddressListTests
{
    [Theory]
    [InlineData(" joe@example.com", new[] { "joe@example.com" })]
    [InlineData(" Joe <joe@example.com>, ann@example.org (Ann)", new[] { "joe@example.com", "ann@example.org" })]
    [InlineData(" \"Doe, John\" <jd@example.com>", new[] { "jd@example.com" })]
    [InlineData(" friends: a@x.example, b@y.example;, c@z.example", new[] { "a@x.example", "b@y.example", "c@z.example" })]
    [InlineData(" undisclosed-recipients:;", new string[0])]
    [InlineData(" <@relay.example:joe@example.com>", new[] { "joe@example.com" })]
    [InlineData(" \"john doe\"@example.com", new[] { "john doe@example.com" })]
    public void Extracts_addresses_like_tok822(string value, string[] expected) =>
        Assert.Equal(expected, HeaderAddressList.Extract(value));

    [Fact]
    public void Rewrite_keeps_display_names_comments_and_folding()
    {
        var value = " \"Abelard, Peter\" <pabelard@example.com> (the monk),\n\tHeloise <hfulbert@example.com>";
        var result = HeaderAddressList.Rewrite(value, a => a.Replace("@example.com", "@oreilly.com", StringComparison.Ordinal), 10240);
        Assert.Equal(" \"Abelard, Peter\" <pabelard@oreilly.com> (the monk),\n\tHeloise <hfulbert@oreilly.com>", result);
    }

    [Fact]
    public void Rewrite_returns_null_when_nothing_changes()
    {
        Assert.Null(HeaderAddressList.Rewrite(" a@example.com", a => a, 10240));
    }

    [Fact]
    public void Rewrite_quotes_a_local_part_that_needs_it()
    {
        Assert.Equal(" \"john doe\"@example.com", HeaderAddressList.Rewrite(" jd", _ => "john doe@example.com", 100));
    }
}
