using System.Text;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapResponseWriterTests
{
    [Fact]
    public void Writes_tagged_and_untagged_status_with_codes()
    {
        var w = new ImapResponseWriter();
        w.Untagged(ImapStatus.Ok, "UIDs valid", "UIDVALIDITY 3857529045");
        w.Tagged("A142", ImapStatus.Ok, "SELECT completed", "READ-WRITE");
        w.Tagged("A1", ImapStatus.No, "Message too big", "TOOBIG");
        w.Untagged(ImapStatus.Bye, "Logging out");
        w.UntaggedLine("172 EXISTS");
        w.Continuation(ImapCommandReader.ContinuationText[2..]);
        Assert.Equal(
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\nA142 OK [READ-WRITE] SELECT completed\r\nA1 NO [TOOBIG] Message too big\r\n"
            + "* BYE Logging out\r\n* 172 EXISTS\r\n+ Ready for additional command text\r\n",
            w.ToString());
    }

    [Fact]
    public void Response_text_cannot_break_the_line()
    {
        var w = new ImapResponseWriter();
        w.Tagged("a", ImapStatus.Bad, "evil\r\n* OK injected");
        Assert.Equal("a BAD evil  * OK injected\r\n", w.ToString());
    }

    [Theory]
    [InlineData("simple", "\"simple\"")]
    [InlineData("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"")]
    [InlineData("", "\"\"")]
    [InlineData("two\r\nlines", "{10}\r\ntwo\r\nlines")]
    [InlineData("caf\u00e9", "{5}\r\ncaf\u00e9")]
    public void Quotes_or_sends_literals(string value, string expected)
    {
        var w = new ImapResponseWriter();
        w.String(value);
        Assert.Equal(expected, w.ToString());
    }

    [Fact]
    public void Utf8_accept_allows_8bit_in_quoted_strings()
    {
        var w = new ImapResponseWriter { Utf8Accept = true };
        w.String("caf\u00e9");
        Assert.Equal("\"caf\u00e9\"", w.ToString());
    }

    [Fact]
    public void Long_strings_go_as_literals()
    {
        var w = new ImapResponseWriter();
        w.String(new string('x', ImapResponseWriter.MaxQuotedLength + 1));
        Assert.StartsWith("{1025}\r\n", w.ToString());
    }

    [Fact]
    public void Writes_a_fetch_response_with_lists_flags_dates_and_nil()
    {
        var w = new ImapResponseWriter();
        w.Start().Number(12).Atom("FETCH").OpenList()
            .Atom("FLAGS").Flags(["\\Seen", "$Junk"])
            .Atom("INTERNALDATE").DateTime(new DateTimeOffset(1996, 7, 7, 2, 44, 25, TimeSpan.FromHours(-7)))
            .Atom("RFC822.SIZE").Number(4286)
            .Atom("BODY[]").Literal("Hi"u8)
            .Atom("X").NString(null)
            .Atom("F").Flags([])
            .CloseList().EndLine();
        Assert.Equal("* 12 FETCH (FLAGS (\\Seen $Junk) INTERNALDATE \" 7-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 BODY[] {2}\r\nHi X NIL F ())\r\n", w.ToString());
    }

    [Fact]
    public void Clear_empties_the_buffer()
    {
        var w = new ImapResponseWriter();
        w.UntaggedLine("1 EXISTS");
        w.Clear();
        Assert.Equal(0, w.Written.Length);
    }
}

public class ImapDateTests
{
    [Theory]
    [InlineData("17-Jul-1996 02:44:25 -0700", 1996, 7, 17, 2, 44, 25, -7 * 60)]
    [InlineData(" 7-Jul-1996 02:44:25 +0530", 1996, 7, 7, 2, 44, 25, 5 * 60 + 30)]
    [InlineData("7-jul-1996 02:44:25 +0000", 1996, 7, 7, 2, 44, 25, 0)]
    public void Parses_date_time(string text, int y, int mo, int d, int h, int mi, int s, int offsetMinutes)
    {
        Assert.True(ImapDate.TryParseDateTime(text, out var value));
        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.FromMinutes(offsetMinutes)), value);
    }

    [Theory]
    [InlineData("17-Jul-1996 02:44:25")]
    [InlineData("17-Jul-1996 25:44:25 -0700")]
    [InlineData("17-Jux-1996 02:44:25 -0700")]
    [InlineData("29-Feb-1997 02:44:25 -0700")]
    [InlineData("17-Jul-1996 02:44:25 0700")]
    public void Rejects_bad_date_times(string text) =>
        Assert.False(ImapDate.TryParseDateTime(text, out _));

    [Fact]
    public void Formats_with_space_padded_day() =>
        Assert.Equal(" 1-Feb-1994 21:52:25 -0800", ImapDate.FormatDateTime(new DateTimeOffset(1994, 2, 1, 21, 52, 25, TimeSpan.FromHours(-8))));

    [Fact]
    public void Round_trips_search_dates()
    {
        Assert.True(ImapDate.TryParseDate("1-Feb-1994", out var d));
        Assert.Equal("1-Feb-1994", ImapDate.FormatDate(d));
        Assert.True(ImapDate.TryParseDate("29-Feb-2000", out _));
        Assert.False(ImapDate.TryParseDate("29-Feb-1900", out _));
    }
}
