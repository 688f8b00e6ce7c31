using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class DotStufferTests
{
    private static string Stuff(string content, int chunk)
    {
        var stuffer = new DotStuffer();
        var sink = new CollectingSink();
        var bytes = Ascii(content);
        for (int i = 0; i < bytes.Length; i += chunk)
            stuffer.Write(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), sink);
        stuffer.Finish(sink);
        return sink.Text;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4096)]
    public void Doubles_leading_dots_and_appends_the_end_of_data(int chunk) =>
        Assert.Equal("..a\r\nb.c\r\n...\r\n.\r\n", Stuff(".a\r\nb.c\r\n..\r\n", chunk));

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public void Writes_bare_LF_as_CRLF_so_no_smuggled_end_of_data_leaves(int chunk) =>
        Assert.Equal("a\r\n..\r\nMAIL\r\n.\r\n", Stuff("a\n.\nMAIL\n", chunk));

    [Fact]
    public void Ends_an_unterminated_last_line() => Assert.Equal("abc\r\n.\r\n", Stuff("abc", 10));

    [Fact]
    public void Empty_content_is_just_the_end_of_data() => Assert.Equal(".\r\n", Stuff("", 10));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Round_trips_through_the_DATA_reader(int chunk)
    {
        var original = ".x\r\n..\r\nbody\r\n.\r\nmore\r\n";
        var wire = Stuff(original, chunk);
        var reader = new SmtpDataReader(0);
        var sink = new CollectingSink();
        Assert.Equal(DataReadStatus.Done, reader.Read(new System.Buffers.ReadOnlySequence<byte>(Ascii(wire)), sink, out _));
        Assert.Equal(original, sink.Text);
    }
}
