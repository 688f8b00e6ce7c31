using System.Buffers;
using System.Text;
using Posthorn.Protocols.Pop3;

namespace Posthorn.Protocols.Tests.Pop3;

public class Pop3LineReaderTests
{
    private static List<string> ReadAll(string input, int chunk, int max = 100)
    {
        var reader = new Pop3LineReader(max);
        var lines = new List<string>();
        var pending = Array.Empty<byte>();
        var bytes = Encoding.UTF8.GetBytes(input);
        for (var at = 0; at < bytes.Length; at += chunk)
        {
            pending = [.. pending, .. bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at))];
            while (true)
            {
                var seq = new ReadOnlySequence<byte>(pending);
                var status = reader.TryRead(seq, out var line, out var consumed, out var examined);
                Assert.True(seq.GetOffset(consumed) <= seq.GetOffset(examined));
                pending = seq.Slice(consumed).ToArray();
                if (status == Pop3LineStatus.NeedMoreData)
                {
                    break;
                }

                lines.Add(status == Pop3LineStatus.TooLong ? "<too long>" : Encoding.UTF8.GetString(line));
            }
        }

        return lines;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Splits_lines_on_CRLF_at_every_split_point(int chunk) =>
        Assert.Equal(["USER a", "PASS b c", ""], ReadAll("USER a\r\nPASS b c\r\n\r\n", chunk));

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void Accepts_bare_LF(int chunk) =>
        Assert.Equal(["STAT", "LIST"], ReadAll("STAT\nLIST\n", chunk));

    [Fact]
    public void Waits_for_the_line_ending() =>
        Assert.Empty(ReadAll("STAT", 1));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Reports_an_overlong_line_once_and_resynchronises(int chunk) =>
        Assert.Equal(["<too long>", "NOOP"], ReadAll(new string('x', 250) + "\r\nNOOP\r\n", chunk));

    [Fact]
    public void Line_of_exactly_the_limit_is_accepted() =>
        Assert.Equal([new string('x', 100)], ReadAll(new string('x', 100) + "\r\n", 1));

    [Fact]
    public void Parses_keywords_case_insensitively()
    {
        var c = Pop3Command.Parse("top 1 10"u8);
        Assert.Equal(Pop3Verb.Top, c.Verb);
        Assert.Equal(["1", "10"], c.Arguments);
        Assert.Equal("PASS", Pop3Command.Parse("pass my secret").Keyword);
        Assert.Equal("my secret", Pop3Command.Parse("pass my secret").Argument);
        Assert.Equal(Pop3Verb.Unknown, Pop3Command.Parse("").Verb);
    }
}

public class Pop3DotStuffingWriterTests
{
    private static async Task<string> Stuff(string message, int? lines = null)
    {
        var output = new MemoryStream();
        var written = await Pop3DotStuffingWriter.CopyAsync(new MemoryStream(Encoding.UTF8.GetBytes(message)), output, lines);
        Assert.Equal(output.Length, written);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData("a\r\n.b\r\n", "a\r\n..b\r\n.\r\n")]
    [InlineData(".\r\n", "..\r\n.\r\n")]
    [InlineData("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("no newline", "no newline\r\n.\r\n")]
    [InlineData("a.b\r\n", "a.b\r\n.\r\n")]
    [InlineData("cr\rinside\r\n", "cr\rinside\r\n.\r\n")]
    [InlineData("ends in cr\r", "ends in cr\r\r\n.\r\n")]
    public async Task Stuffs_dots_and_normalises_line_endings(string message, string expected) =>
        Assert.Equal(expected, await Stuff(message));

    [Fact]
    public async Task Streams_large_messages_across_chunk_boundaries()
    {
        var line = new string('y', 99) + "\n.";
        var message = string.Concat(Enumerable.Repeat(line, 2000));
        var result = await Stuff(message);
        Assert.Equal(message.Replace("\n.", "\r\n..", StringComparison.Ordinal) + "\r\n.\r\n", result);
    }

    [Theory]
    [InlineData(0, "H: 1\r\n\r\n.\r\n")]
    [InlineData(1, "H: 1\r\n\r\nl1\r\n.\r\n")]
    [InlineData(2, "H: 1\r\n\r\nl1\r\n..l2\r\n.\r\n")]
    [InlineData(99, "H: 1\r\n\r\nl1\r\n..l2\r\nl3\r\n.\r\n")]
    public async Task Top_limits_body_lines(int lines, string expected) =>
        Assert.Equal(expected, await Stuff("H: 1\n\nl1\n.l2\nl3\n", lines));

    [Fact]
    public async Task Top_on_a_message_without_body_sends_the_header() =>
        Assert.Equal("H: 1\r\n.\r\n", await Stuff("H: 1\n", 5));
}
