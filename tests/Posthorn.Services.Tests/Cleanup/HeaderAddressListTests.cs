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

public class CleanupRobustnessTests
{
    [Fact]
    public void Malformed_address_headers_and_mime_never_throw()
    {
        var pieces = new[] { "<", ">", "\"", "(", ")", "[", "]", "@", ",", ";", ":", "\\", " ", "\t", "joe", "x.y", "--B", "", "=?" };
        var random = new Random(5322);
        var p = CleanupTest.Processor("canonical_maps = hash:c\nmasquerade_domains = example.com\nremote_header_rewrite_domain = r.example");
        for (int n = 0; n < 300; n++)
        {
            var sink = new CollectingContentSink();
            var m = p.Begin(CleanupTest.Envelope(local: n % 2 == 0), sink);
            string Junk() => string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
            m.AddLine("Content-Type: multipart/mixed; boundary=" + Junk());
            foreach (var name in new[] { "From", "To", "Cc", "Reply-To", "Resent-Sender" })
                m.AddLine(name + ":" + Junk());
            m.AddLine("");
            for (int i = 0; i < 10; i++)
                m.AddLine(random.Next(3) == 0 ? "--" + Junk() : Junk());
            Assert.NotNull(m.Finish());
        }
    }
}

public class AddressTextTests
{
    [Fact]
    public void Words_separated_by_white_space_keep_one_space()
    {
        Assert.Equal(["john doe@example.net"], HeaderAddressList.Extract(" john   doe@example.net"));
        Assert.Equal(["joe@example.net"], HeaderAddressList.Extract(" joe @ example.net"));
    }
}
