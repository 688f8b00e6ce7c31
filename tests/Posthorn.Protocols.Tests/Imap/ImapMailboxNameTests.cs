using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapMailboxNameTests
{
    [Theory]
    [InlineData("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
    [InlineData("Entw\u00fcrfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("INBOX", "INBOX")]
    [InlineData("\U0001F600", "&2D3eAA-")]
    [InlineData("", "")]
    public void Encodes_and_decodes_modified_utf7(string name, string wire)
    {
        Assert.Equal(wire, ImapMailboxName.EncodeModifiedUtf7(name));
        Assert.True(ImapMailboxName.TryDecodeModifiedUtf7(wire, out var decoded));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("&Jjo!")]
    [InlineData("&U,BTFw-&ZeVnLIqe-")]
    [InlineData("&AGE-")]
    [InlineData("&U,B-")]
    [InlineData("&2D0-")]
    [InlineData("caf\u00e9")]
    [InlineData("&")]
    [InlineData("&*-")]
    public void Rejects_malformed_modified_utf7(string wire) =>
        Assert.False(ImapMailboxName.TryDecodeModifiedUtf7(wire, out _));

    [Fact]
    public void Utf8_accept_takes_names_as_they_are()
    {
        Assert.True(ImapMailboxName.TryFromWire("Entw\u00fcrfe", utf8Accept: true, '/', out var name, out _));
        Assert.Equal("Entw\u00fcrfe", name);
        Assert.False(ImapMailboxName.TryFromWire("Entw\u00fcrfe", utf8Accept: false, '/', out _, out var error));
        Assert.Equal("Mailbox name is not valid mUTF-7", error);
        Assert.Equal("Entw\u00fcrfe", ImapMailboxName.ToWire("Entw\u00fcrfe", true));
        Assert.Equal("Entw&APw-rfe", ImapMailboxName.ToWire("Entw\u00fcrfe", false));
    }

    [Theory]
    [InlineData("INBOX")]
    [InlineData("Sent Items")]
    [InlineData("a/b/c")]
    [InlineData("folder/")]
    [InlineData("a.b")]
    [InlineData("..a")]
    public void Accepts_safe_names(string name) =>
        Assert.Null(ImapMailboxName.Validate(name));

    [Theory]
    [InlineData("")]
    [InlineData("/etc")]
    [InlineData("..")]
    [InlineData("a/../../b")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("a\0b")]
    [InlineData("a\rb")]
    [InlineData("~root")]
    public void Rejects_names_that_could_escape_the_store(string name) =>
        Assert.NotNull(ImapMailboxName.Validate(name));

    [Fact]
    public void With_dot_separator_slash_is_refused()
    {
        Assert.NotNull(ImapMailboxName.Validate("a/b", '.'));
        Assert.NotNull(ImapMailboxName.Validate(".a", '.'));
        Assert.NotNull(ImapMailboxName.Validate("a..b", '.'));
        Assert.Null(ImapMailboxName.Validate("a.b", '.'));
    }

    [Fact]
    public void Rejects_overlong_names()
    {
        Assert.NotNull(ImapMailboxName.Validate(new string('a', 256)));
        Assert.NotNull(ImapMailboxName.Validate(string.Join('/', Enumerable.Repeat(new string('a', 200), 6))));
    }

    [Fact]
    public void Rejects_lone_surrogates() =>
        Assert.NotNull(ImapMailboxName.Validate("a\ud800b"));
}
