using System.Buffers;
using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpLineReaderTests
{
    public static TheoryData<int> Chunks => new() { 1, 2, 3, 7, 1000 };

    [Theory, MemberData(nameof(Chunks))]
    public void Reads_CRLF_lines_at_every_split_point(int chunk)
    {
        var lines = ReadLines(new SmtpLineReader(2048), Ascii("EHLO a.example\r\nMAIL FROM:<a@b>\r\nQUIT\r\n"), chunk);
        Assert.Equal(["EHLO a.example", "MAIL FROM:<a@b>", "QUIT"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(LineEnding.CrLf, l.Line.Ending));
        Assert.All(lines, l => Assert.False(l.Line.HasBareNewline));
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Detects_bare_LF_line_endings(int chunk)
    {
        var lines = ReadLines(new SmtpLineReader(2048), Ascii("HELO x\nNOOP\r\n"), chunk);
        Assert.Equal(["HELO x", "NOOP"], lines.Select(l => l.Text));
        Assert.Equal(LineEnding.BareLf, lines[0].Line.Ending);
        Assert.True(lines[0].Line.HasBareNewline);
        Assert.Equal(LineEnding.CrLf, lines[1].Line.Ending);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Detects_bare_CR_inside_a_line(int chunk)
    {
        var lines = ReadLines(new SmtpLineReader(2048), Ascii("NOOP a\rb\r\n"), chunk);
        Assert.Single(lines);
        Assert.True(lines[0].Line.HasBareCr);
        Assert.Equal("NOOP a\rb", lines[0].Text);
    }

    [Fact]
    public void Waits_for_more_data_without_a_line_end()
    {
        var reader = new SmtpLineReader(2048);
        var seq = new ReadOnlySequence<byte>(Ascii("HELO exam"));
        Assert.False(reader.TryReadLine(seq, out _, out var consumed, out var examined));
        Assert.Equal(seq.Start, consumed);
        Assert.Equal(seq.End, examined);
    }

    [Fact]
    public void A_CR_at_the_end_of_the_buffer_waits_for_its_LF()
    {
        var lines = ReadLines(new SmtpLineReader(2048), Ascii("QUIT\r"), 5);
        Assert.Empty(lines);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Truncates_lines_past_line_length_limit_and_skips_the_rest(int chunk)
    {
        var lines = ReadLines(new SmtpLineReader(10), Ascii("NOOP 0123456789abcdef\r\nQUIT\r\n"), chunk);
        Assert.Equal(2, lines.Count);
        Assert.True(lines[0].Line.TooLong);
        Assert.Equal("NOOP 01234", lines[0].Text);
        Assert.Equal(LineEnding.CrLf, lines[0].Line.Ending);
        Assert.Equal("QUIT", lines[1].Text);
        Assert.False(lines[1].Line.TooLong);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void A_line_exactly_line_length_limit_long_is_not_too_long(int chunk)
    {
        var lines = ReadLines(new SmtpLineReader(4), Ascii("QUIT\r\nNOOP\n"), chunk);
        Assert.Equal(["QUIT", "NOOP"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.False(l.Line.TooLong));
    }

    [Fact]
    public void Over_long_line_is_not_buffered_while_skipping()
    {
        var reader = new SmtpLineReader(8);
        var big = new ReadOnlySequence<byte>(new byte[100_000]);
        Assert.False(reader.TryReadLine(big, out _, out var consumed, out _));
        Assert.Equal(big.End, consumed); // everything past the limit was consumed, not kept
        Assert.True(reader.TryReadLine(new ReadOnlySequence<byte>(Ascii("x\r\n")), out var line, out _, out _));
        Assert.True(line.TooLong);
        Assert.Equal(8, line.Text.Length);
    }

    [Fact]
    public void Reports_bare_LF_on_an_over_long_line()
    {
        var lines = ReadLines(new SmtpLineReader(4), Ascii("NOOP123456\n"), 1);
        Assert.True(lines[0].Line.TooLong);
        Assert.Equal(LineEnding.BareLf, lines[0].Line.Ending);
    }
}
