using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class FetchParserTests
{
    private static FetchCommand Fetch(string line) => Assert.IsType<FetchCommand>(ImapCommandParserTests.Parse(line));

    [Fact]
    public void Macros_expand_as_rfc3501_says()
    {
        Assert.Equal([FetchAttribute.Flags, FetchAttribute.InternalDate, FetchAttribute.Rfc822Size, FetchAttribute.Envelope], Fetch("a FETCH 1 ALL").Items.Select(i => i.Attribute));
        Assert.Equal([FetchAttribute.Flags, FetchAttribute.InternalDate, FetchAttribute.Rfc822Size], Fetch("a FETCH 1 fast").Items.Select(i => i.Attribute));
        Assert.Equal([FetchAttribute.Flags, FetchAttribute.InternalDate, FetchAttribute.Rfc822Size, FetchAttribute.Envelope, FetchAttribute.Body], Fetch("a FETCH 1 FULL").Items.Select(i => i.Attribute));
    }

    [Fact]
    public void Parses_every_simple_item()
    {
        var f = Fetch("a FETCH 2:* (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY UID RFC822 RFC822.HEADER RFC822.TEXT MODSEQ)");
        Assert.Equal(11, f.Items.Count);
        Assert.Equal("2:*", f.Set.ToString());
        Assert.Equal("RFC822.SIZE", f.Items[2].ResponseName);
    }

    [Fact]
    public void Parses_the_rfc3501_example()
    {
        var f = Fetch("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])");
        var section = f.Items[1];
        Assert.Equal(FetchAttribute.BodySection, section.Attribute);
        Assert.Equal(SectionText.HeaderFields, section.Section!.Text);
        Assert.Equal(["DATE", "FROM"], section.Section.Fields);
        Assert.Equal("BODY[HEADER.FIELDS (DATE FROM)]", section.ResponseName);
        Assert.True(section.SetsSeen);
    }

    [Theory]
    [InlineData("BODY[]", "", SectionText.None, "BODY[]")]
    [InlineData("BODY[1.2.3]", "1.2.3", SectionText.None, "BODY[1.2.3]")]
    [InlineData("body[header]", "", SectionText.Header, "BODY[HEADER]")]
    [InlineData("BODY[2.TEXT]", "2", SectionText.Text, "BODY[2.TEXT]")]
    [InlineData("BODY[3.MIME]", "3", SectionText.Mime, "BODY[3.MIME]")]
    [InlineData("BODY[4.2.HEADER.FIELDS.NOT (Subject x-foo)]", "4.2", SectionText.HeaderFieldsNot, "BODY[4.2.HEADER.FIELDS.NOT (SUBJECT X-FOO)]")]
    [InlineData("BODY.PEEK[TEXT]<0.2048>", "", SectionText.Text, "BODY[TEXT]<0>")]
    [InlineData("BINARY.PEEK[1]<10.20>", "1", SectionText.None, "BINARY[1]<10>")]
    [InlineData("BINARY.SIZE[2]", "2", SectionText.None, "BINARY.SIZE[2]")]
    public void Parses_section_specs(string item, string part, SectionText text, string responseName)
    {
        var f = Fetch("a FETCH 1 " + item).Items.Single();
        Assert.Equal(part, string.Join('.', f.Section!.Part));
        Assert.Equal(text, f.Section.Text);
        Assert.Equal(responseName, f.ResponseName);
    }

    [Fact]
    public void Peek_does_not_set_seen_and_partial_is_kept()
    {
        var f = Fetch("a FETCH 1 BODY.PEEK[]<100.50>").Items.Single();
        Assert.False(f.SetsSeen);
        Assert.Equal((100L, 50L), (f.PartialStart!.Value, f.PartialLength!.Value));
    }

    [Theory]
    [InlineData("a FETCH 1 BODY[0]")]
    [InlineData("a FETCH 1 BODY[1.]")]
    [InlineData("a FETCH 1 BODY[MIME]")]
    [InlineData("a FETCH 1 BODY[HEADER.FIELDS]")]
    [InlineData("a FETCH 1 BODY[HEADER.FIELDS ()]")]
    [InlineData("a FETCH 1 BODY[TEXT]<1>")]
    [InlineData("a FETCH 1 BODY[TEXT]<1.0>")]
    [InlineData("a FETCH 1 BINARY[HEADER]")]
    [InlineData("a FETCH 1 FOO")]
    [InlineData("a FETCH 1 ()")]
    [InlineData("a FETCH x FLAGS")]
    [InlineData("a FETCH 1")]
    public void Rejects_bad_fetch_items(string line) =>
        Assert.NotEqual("(parsed)", ImapCommandParserTests.Error(line));

    [Fact]
    public void Uid_fetch_always_includes_uid()
    {
        var f = Fetch("a UID FETCH 1:* FLAGS");
        Assert.Equal([FetchAttribute.Uid, FetchAttribute.Flags], f.Items.Select(i => i.Attribute));
    }

    [Fact]
    public void Changedsince_adds_modseq()
    {
        var f = Fetch("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)");
        Assert.Equal(12345UL, f.ChangedSince);
        Assert.Contains(f.Items, i => i.Attribute == FetchAttribute.ModSeq);
    }
}
