using System.Buffers;
using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class BdatReaderTests
{
    [Fact]
    public void Takes_exactly_the_announced_octets_and_leaves_the_next_command()
    {
        var reader = new BdatReader(0);
        var sink = new CollectingSink();
        reader.StartChunk(5, last: false);
        var seq = new ReadOnlySequence<byte>(Ascii("a\n.\r\nBDAT 2 LAST\r\n"));
        Assert.Equal(DataReadStatus.Done, reader.Read(seq, sink, out var consumed));
        Assert.Equal("a\n.\r\n", sink.Text); // no dot-stuffing, no line rules in BDAT
        Assert.Equal("BDAT 2 LAST\r\n", System.Text.Encoding.ASCII.GetString(seq.Slice(consumed).ToArray()));
        Assert.False(reader.IsComplete);
    }

    [Fact]
    public void Accounts_chunks_fed_one_byte_at_a_time()
    {
        var reader = new BdatReader(0);
        var sink = new CollectingSink();
        reader.StartChunk(3, last: false);
        foreach (var b in Ascii("abc"))
            reader.Read(new ReadOnlySequence<byte>([b]), sink, out _);
        Assert.Equal(0, reader.Remaining);
        reader.StartChunk(2, last: true);
        Assert.Equal(DataReadStatus.NeedMoreData, reader.Read(new ReadOnlySequence<byte>(Ascii("d")), sink, out _));
        Assert.Equal(DataReadStatus.Done, reader.Read(new ReadOnlySequence<byte>(Ascii("e")), sink, out _));
        Assert.True(reader.IsComplete);
        Assert.Equal("abcde", sink.Text);
        Assert.Equal(5, reader.Size);
    }

    [Fact]
    public void Zero_length_LAST_chunk_completes_the_message()
    {
        var reader = new BdatReader(0);
        reader.StartChunk(0, last: true);
        Assert.True(reader.IsComplete);
    }

    [Fact]
    public void Counts_all_chunks_against_message_size_limit()
    {
        var reader = new BdatReader(4);
        var sink = new CollectingSink();
        reader.StartChunk(3, false);
        reader.Read(new ReadOnlySequence<byte>(Ascii("abc")), sink, out _);
        reader.StartChunk(3, true);
        reader.Read(new ReadOnlySequence<byte>(Ascii("def")), sink, out _);
        Assert.True(reader.TooBig);
        Assert.True(reader.IsComplete);
        Assert.Equal("abcd", sink.Text);
        Assert.Equal(6, reader.Size);
    }

    [Fact]
    public void Knows_before_reading_when_a_chunk_would_pass_the_limit()
    {
        var reader = new BdatReader(10);
        Assert.False(reader.WouldExceed(10));
        Assert.True(reader.WouldExceed(11));
        reader.StartChunk(4, false);
        reader.Read(new ReadOnlySequence<byte>(Ascii("abcd")), new CollectingSink(), out _);
        Assert.False(reader.WouldExceed(6));
        Assert.True(reader.WouldExceed(7));
        Assert.False(new BdatReader(0).WouldExceed(long.MaxValue));
    }
}
