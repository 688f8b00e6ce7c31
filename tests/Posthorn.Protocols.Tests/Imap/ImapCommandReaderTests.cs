using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapCommandReaderTests
{
    public static TheoryData<int> Chunks => new() { 1, 2, 5, int.MaxValue };

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Reads_tag_atoms_quoted_strings_and_lists(int chunk)
    {
        var c = ImapReaderDriver.Single("a001 STORE 2:4 +FLAGS (\\Deleted \\Seen) \"q \\\"x\\\\\"\r\n", chunk);
        Assert.Equal("a001", c.Tag);
        Assert.Equal("STORE 2:4 +FLAGS (\\Deleted \\Seen) \"q \"x\\\"", string.Join(' ', c.Tokens));
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Accepts_bare_LF(int chunk)
    {
        var results = ImapReaderDriver.Feed("a NOOP\nb CHECK\n", chunk);
        Assert.Equal(["a", "b"], results.Select(r => r.Command!.Tag));
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Synchronising_literal_asks_for_continuation_then_completes(int chunk)
    {
        var results = ImapReaderDriver.Feed("A003 APPEND saved-messages (\\Seen) {13}\r\nHello\r\nWorld!\r\n", chunk);
        Assert.Equal([ImapReadStatus.NeedContinuation, ImapReadStatus.Command], results.Select(r => r.Status));
        var literal = results[1].Command!.Tokens[^1];
        Assert.True(literal.IsLiteral);
        Assert.Equal("Hello\r\nWorld!", literal.Text);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Non_synchronising_literal_needs_no_continuation(int chunk)
    {
        var results = ImapReaderDriver.Feed("A1 LOGIN {4+}\r\nuser {6+}\r\npa ss)\r\n", chunk);
        var r = Assert.Single(results);
        Assert.Equal(ImapReadStatus.Command, r.Status);
        Assert.Equal(["LOGIN", "user", "pa ss)"], r.Command!.Tokens.Select(t => t.Text));
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Literal_after_bare_LF_marker_line(int chunk)
    {
        var results = ImapReaderDriver.Feed("A1 LOGIN {4}\nuser pass\nA2 APPEND x {3+}\na\nb\n", chunk);
        Assert.Equal([ImapReadStatus.NeedContinuation, ImapReadStatus.Command, ImapReadStatus.Command], results.Select(r => r.Status));
        Assert.Equal(["LOGIN", "user", "pass"], results[1].Command!.Tokens.Select(t => t.Text));
        Assert.Equal("a\nb", results[2].Command!.Tokens[^1].Text);
    }

    [Fact]
    public void Zero_length_literal_still_asks_for_continuation()
    {
        var results = ImapReaderDriver.Feed("A1 LOGIN {0}\r\n \"\"\r\n");
        Assert.Equal([ImapReadStatus.NeedContinuation, ImapReadStatus.Command], results.Select(r => r.Status));
        Assert.Equal("", results[1].Command!.Tokens[1].Text);
    }

    [Fact]
    public void Literal8_is_marked_binary()
    {
        var c = ImapReaderDriver.Single("A1 APPEND INBOX ~{3+}\r\n\0\x01\x02\r\n");
        Assert.True(c.Tokens[^1].IsBinary);
        Assert.Equal(new byte[] { 0, 1, 2 }, c.Tokens[^1].Data);
    }

    [Fact]
    public void Literal_split_across_reads_is_assembled()
    {
        var results = ImapReaderDriver.Feed("A1 LOGIN {10+}\r\n0123456789 x\r\n", chunk: 3);
        Assert.Equal("0123456789", Assert.Single(results).Command!.Tokens[1].Text);
    }

    [Fact]
    public void Literal_inside_a_list()
    {
        var c = ImapReaderDriver.Single("A1 LIST \"\" ({5+}\r\nINBOX {4+}\r\nSent)\r\n");
        Assert.Equal(["INBOX", "Sent"], c.Tokens[2].Children.Select(t => t.Text));
    }

    [Fact]
    public void Oversize_synchronising_literal_is_too_big_and_the_next_command_works()
    {
        var results = ImapReaderDriver.Feed("A1 APPEND INBOX {100}\r\nA2 NOOP\r\n", limits: new ImapLimits { MaxLiteralSize = 50 });
        Assert.Equal(ImapReadStatus.TooBig, results[0].Status);
        Assert.Equal("A1", results[0].Tag);
        Assert.Equal("A2", results[1].Command!.Tag);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Oversize_non_synchronising_literal_is_skipped(int chunk)
    {
        var input = "A1 APPEND INBOX {60+}\r\n" + new string('x', 60) + " {3+}\r\nabc\r\nA2 NOOP\r\n";
        var results = ImapReaderDriver.Feed(input, chunk, new ImapLimits { MaxLiteralSize = 50 });
        Assert.Equal([ImapReadStatus.TooBig, ImapReadStatus.Command], results.Select(r => r.Status));
        Assert.Equal("A2", results[1].Command!.Tag);
    }

    [Fact]
    public void Absurd_literal_sizes_are_too_big()
    {
        var results = ImapReaderDriver.Feed("A1 APPEND INBOX {99999999999999999999999}\r\nA2 NOOP\r\n");
        Assert.Equal(ImapReadStatus.TooBig, results[0].Status);
        Assert.Equal("A2", results[1].Command!.Tag);
    }

    [Fact]
    public void Abandon_drops_a_command_waiting_for_its_literal()
    {
        var reader = new ImapCommandReader();
        var first = new System.Buffers.ReadOnlySequence<byte>("A1 APPEND nosuch {5}\r\n"u8.ToArray());
        Assert.Equal(ImapReadStatus.NeedContinuation, reader.TryRead(first, out _, out _).Status);
        Assert.Equal("A1 APPEND nosuch {5}", reader.PendingCommandText);
        reader.Abandon();
        Assert.Null(reader.PendingCommandText);
        var next = new System.Buffers.ReadOnlySequence<byte>("A2 NOOP\r\n"u8.ToArray());
        Assert.Equal("A2", reader.TryRead(next, out _, out _).Command!.Tag);
    }

    [Fact]
    public void Total_of_literals_is_capped()
    {
        var results = ImapReaderDriver.Feed("A1 LOGIN {30+}\r\n" + new string('x', 30) + " {30}\r\n", limits: new ImapLimits { MaxLiteralSize = 50 });
        Assert.Equal(ImapReadStatus.TooBig, Assert.Single(results).Status);
    }

    [Theory]
    [MemberData(nameof(Chunks))]
    public void Overlong_line_is_bad_and_the_reader_resynchronises(int chunk)
    {
        var results = ImapReaderDriver.Feed("A1 NOOP " + new string('x', 200) + "\r\nA2 NOOP\r\n", chunk, new ImapLimits { MaxLineLength = 100 });
        Assert.Equal(ImapReadStatus.Bad, results[0].Status);
        Assert.Equal("A1", results[0].Tag);
        Assert.Equal("A2", results[1].Command!.Tag);
        Assert.Equal(2, results.Count);
    }

    [Theory]
    [InlineData("A1 NOOP )\r\n", "Unexpected ')'.")]
    [InlineData("A1 LIST (\r\n", "Missing ')'.")]
    [InlineData("A1 LOGIN \"abc\r\n", "Invalid quoted string.")]
    [InlineData("A1 LOGIN \"a\\bc\"\r\n", "Invalid quoted string.")]
    [InlineData("\r\n", "Empty command.")]
    [InlineData("+tag NOOP\r\n", "Invalid tag.")]
    [InlineData("A1 SELECT {x}\r\n", "Invalid literal.")]
    [InlineData("A1 SELECT a\u0001b\r\n", "Invalid characters in atom.")]
    public void Malformed_commands_are_bad(string input, string reason)
    {
        var r = Assert.Single(ImapReaderDriver.Feed(input));
        Assert.Equal(ImapReadStatus.Bad, r.Status);
        Assert.Equal(reason, r.Reason);
    }

    [Fact]
    public void Nesting_is_limited()
    {
        var r = Assert.Single(ImapReaderDriver.Feed("A1 SEARCH " + new string('(', 40) + "ALL" + new string(')', 40) + "\r\n"));
        Assert.Equal(ImapReadStatus.Bad, r.Status);
    }

    [Fact]
    public void Bracketed_fetch_attributes_stay_one_atom()
    {
        var c = ImapReaderDriver.Single("A1 FETCH 1 (BODY.PEEK[HEADER.FIELDS (From \"To\")]<0.100> FLAGS)\r\n");
        Assert.Equal(["BODY.PEEK[HEADER.FIELDS (From \"To\")]<0.100>", "FLAGS"], c.Tokens[2].Children.Select(t => t.Text));
    }

    [Fact]
    public void Reads_raw_lines_for_authenticate_and_idle()
    {
        var reader = new ImapCommandReader();
        var seq = new System.Buffers.ReadOnlySequence<byte>("DONE\r\n"u8.ToArray());
        Assert.True(reader.TryReadLine(seq, out var line, out var tooLong, out _, out _));
        Assert.Equal("DONE", line);
        Assert.False(tooLong);
    }
}
