using Posthorn.Core.Addressing;

namespace Posthorn.Core.Tests.Addressing;

public class MailAddressTests
{
    private static MailAddress Sender(string path)
    {
        var a = MailAddress.ParsePath(path, MailAddressRole.Sender, out var error);
        Assert.Null(error);
        return a!;
    }

    private static MailAddress Recipient(string path)
    {
        var a = MailAddress.ParsePath(path, MailAddressRole.Recipient, out var error);
        Assert.Null(error);
        return a!;
    }

    [Fact]
    public void Parses_local_at_domain()
    {
        var a = Recipient("<john.doe@example.com>");
        Assert.Equal("john.doe", a.LocalPart);
        Assert.Equal("example.com", a.Domain);
        Assert.Equal("john.doe@example.com", a.Address);
    }

    [Fact]
    public void Null_sender_is_allowed_in_MAIL_FROM() => Assert.True(Sender("<>").IsNull);

    [Fact]
    public void Null_path_is_rejected_in_RCPT_TO_with_Postfix_wording()
    {
        Assert.Null(MailAddress.ParsePath("<>", MailAddressRole.Recipient, out var error));
        Assert.Equal("501 5.1.3 Bad recipient address syntax", error);
    }

    // Each checked against Debian's Postfix 3.7 smtpd: it accepts these.
    [Theory]
    [InlineData("<a@b@example.com>", "a@b@example.com")]
    [InlineData("<...@example.com>", "...@example.com")]
    [InlineData("<@example.com>", "@example.com")]
    [InlineData("< a@example.com >", "a@example.com")]
    [InlineData("<a@exa_mple.com>", "a@exa_mple.com")]
    [InlineData("<a@x.123>", "a@x.123")]
    public void Lenient_forms_Postfix_accepts(string path, string address) =>
        Assert.Equal(address, MailAddress.ParsePath(path, MailAddressRole.Recipient, out _)?.Address);

    [Fact]
    public void Source_route_alone_is_the_null_sender() =>
        Assert.True(MailAddress.ParsePath("<@a.example:>", MailAddressRole.Sender, out _)!.IsNull);

    [Theory]
    [InlineData("<a@example.com.>")]
    [InlineData("<root@localhost.>")]
    public void One_trailing_dot_is_accepted_as_Postfix_strips_it(string path) =>
        Assert.NotNull(MailAddress.ParsePath(path, MailAddressRole.Recipient, out _));

    [Theory]
    [InlineData("<a@example.com..>")]
    [InlineData("<a@.>")]
    [InlineData("<a b@example.com>")]
    [InlineData("<a@-example.com>")]
    [InlineData("<a@example..com>")]
    [InlineData("<a@1.2.3.4>")]
    [InlineData("<a@123>")]
    [InlineData("<a@>")]
    [InlineData("<\"unterminated@example.com>")]
    [InlineData("<a@example.com")]
    [InlineData("a@example.com>")]
    [InlineData("<a@[1.2.3.999]>")]
    [InlineData("<a@[IPv6:not-an-address]>")]
    [InlineData("<a,b@example.com>")]
    [InlineData("<a\tb@example.com>")]
    public void Bad_sender_syntax_gets_Postfix_reply(string path)
    {
        Assert.Null(MailAddress.ParsePath(path, MailAddressRole.Sender, out var error));
        Assert.Equal("501 5.1.7 Bad sender address syntax", error);
    }

    [Fact]
    public void Quoted_local_part_is_unquoted_in_the_internal_form()
    {
        var a = Recipient("<\"john doe\"@example.com>");
        Assert.Equal("john doe", a.LocalPart);
        Assert.Equal("john doe@example.com", a.Address);
        Assert.Equal("\"john doe\"@example.com", a.Quoted);
    }

    [Fact]
    public void Quoted_pairs_are_unescaped()
    {
        var a = Recipient("<\"a\\\"b\\\\c\"@example.com>");
        Assert.Equal("a\"b\\c", a.LocalPart);
        Assert.Equal("\"a\\\"b\\\\c\"@example.com", a.Quoted);
    }

    [Fact]
    public void Dot_atom_local_part_is_not_quoted() => Assert.Equal("a.b+c@x.example", Recipient("<a.b+c@x.example>").Quoted);

    [Theory]
    [InlineData("<@relay.example:user@example.com>")]
    [InlineData("<@a.example,@b.example:user@example.com>")]
    [InlineData("@a.example:user@example.com")]
    public void Source_routes_are_stripped(string path) => Assert.Equal("user@example.com", Recipient(path).Address);

    [Theory]
    [InlineData("<user@[192.0.2.1]>", "[192.0.2.1]")]
    [InlineData("<user@[IPv6:2001:db8::1]>", "[IPv6:2001:db8::1]")]
    public void Address_literals_are_accepted(string path, string domain) => Assert.Equal(domain, Recipient(path).Domain);

    [Fact]
    public void Address_without_domain_is_accepted_as_Postfix_does()
    {
        var a = Recipient("<postmaster>");
        Assert.Null(a.Domain);
        Assert.Equal("postmaster", a.Address);
    }

    [Fact]
    public void Bare_address_without_brackets_is_accepted_unless_strict_rfc821_envelopes()
    {
        Assert.Equal("a@example.com", Sender("a@example.com").Address);
        Assert.Null(MailAddress.ParsePath("a@example.com", MailAddressRole.Sender, out var error, strictRfc821: true));
        Assert.Equal("501 5.1.7 Bad sender address syntax", error);
    }

    [Fact]
    public void SMTPUTF8_addresses_are_accepted_and_flagged()
    {
        var a = Recipient("<δοκιμή@παράδειγμα.δοκιμή>");
        Assert.Equal("δοκιμή", a.LocalPart);
        Assert.True(a.RequiresSmtpUtf8);
        Assert.False(Recipient("<a@example.com>").RequiresSmtpUtf8);
    }

    [Fact]
    public void Non_ASCII_domain_is_refused_without_SMTPUTF8()
    {
        Assert.Null(MailAddress.ParsePath("<a@bücher.example>", MailAddressRole.Recipient, out var error, smtpUtf8: false));
        Assert.Equal("501 5.1.3 Bad recipient address syntax", error);
    }

    [Fact]
    public void Non_ASCII_local_part_is_accepted_without_SMTPUTF8_as_Postfix_does() =>
        Assert.NotNull(MailAddress.ParsePath("<müller@example.com>", MailAddressRole.Recipient, out _, smtpUtf8: false));

    [Theory]
    [InlineData("<john..doe@example.com>", "john..doe")]
    [InlineData("<.dot@example.com>", ".dot")]
    [InlineData("<dot.@example.com>", "dot.")]
    public void Odd_dots_in_local_parts_are_accepted_as_Postfix_does_and_quoted_outward(string path, string local)
    {
        var a = Recipient(path);
        Assert.Equal(local, a.LocalPart);
        Assert.Equal("\"" + local + "\"@example.com", a.Quoted);
    }

    [Fact]
    public void Special_characters_allowed_in_atext()
    {
        var a = Recipient("<!#$%&'*+-/=?^_`{|}~@example.com>");
        Assert.Equal("!#$%&'*+-/=?^_`{|}~", a.LocalPart);
    }

    [Fact]
    public void Parses_a_bare_address() => Assert.Equal("example.com", MailAddress.ParseAddress("x@example.com")!.Domain);
}
