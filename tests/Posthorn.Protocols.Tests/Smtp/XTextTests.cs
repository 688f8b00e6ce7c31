using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

public class XTextTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3db", "a=b")]
    [InlineData("+20", " ")]
    [InlineData("", "")]
    public void Decodes_xtext(string xtext, string text)
    {
        Assert.True(XText.TryDecode(xtext, out var decoded));
        Assert.Equal(text, decoded);
    }

    [Theory]
    [InlineData("a+b")]
    [InlineData("a+2")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("+ZZ")]
    [InlineData("+C3")] // a lone UTF-8 lead byte
    public void Rejects_invalid_xtext(string xtext) => Assert.False(XText.TryDecode(xtext, out _));

    [Theory]
    [InlineData("user+tag@example.com")]
    [InlineData("a=b c")]
    [InlineData("müller@example.com")]
    public void Encode_then_decode_round_trips(string text)
    {
        Assert.True(XText.TryDecode(XText.Encode(text), out var decoded));
        Assert.Equal(text, decoded);
    }

    [Fact]
    public void Encodes_plus_equals_and_space() => Assert.Equal("a+2Bb+3Dc+20", XText.Encode("a+b=c "));
}
