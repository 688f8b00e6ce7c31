using System.Buffers;
using Posthorn.Protocols.Smtp;
using static Posthorn.Protocols.Tests.Smtp.TestSupport;

namespace Posthorn.Protocols.Tests.Smtp;

public class SmtpDataReaderTests
{
    /// <summary>Feeds input in chunks; returns the sink, the reader, and the bytes left after the end.</summary>
    private static (CollectingSink Sink, SmtpDataReader Reader, string Left) Run(string input, int chunk, long limit = 0, bool normalize = false)
    {
        var reader = new SmtpDataReader(limit, normalize);
        var sink = new CollectingSink();
        var bytes = Ascii(input);
        var pending = new List<byte>();
        for (int i = 0; i < bytes.Length; i += chunk)
        {
            pending.AddRange(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)).ToArray());
            var seq = Segmented(pending.ToArray(), Math.Max(1, chunk / 2));
            var status = reader.Read(seq, sink, out var consumed);
            var rest = seq.Slice(consumed).ToArray();
            pending.Clear();
            pending.AddRange(rest);
            if (status == DataReadStatus.Done)
            {
                pending.AddRange(bytes.AsSpan(i + Math.Min(chunk, bytes.Length - i)).ToArray());
                return (sink, reader, System.Text.Encoding.UTF8.GetString(pending.ToArray()));
            }
        }
        return (sink, reader, System.Text.Encoding.UTF8.GetString(pending.ToArray()));
    }

    public static TheoryData<int> Chunks => new() { 1, 2, 3, 5, 4096 };

    [Theory, MemberData(nameof(Chunks))]
    public void Ends_at_CRLF_dot_CRLF_and_leaves_the_next_command(int chunk)
    {
        var (sink, reader, rest) = Run("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", sink.Text);
        Assert.Equal("QUIT\r\n", rest);
        Assert.False(reader.SawBareLf);
        Assert.False(reader.SawBareCr);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Empty_message_ends_at_the_first_dot_line(int chunk)
    {
        var (sink, reader, _) = Run(".\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.Equal("", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Removes_dot_stuffing(int chunk)
    {
        var (sink, reader, _) = Run("..hidden\r\n...\r\n.x\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.Equal(".hidden\r\n..\r\nx\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_LF_dot_LF_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\n.\nMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareLf);
        Assert.Equal("a\nMAIL FROM:<evil@x>\r\n", sink.Text); // the lone dot line is dropped
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_CR_dot_CR_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\r.\rMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareCr);
        Assert.Equal("a\r.\rMAIL FROM:<evil@x>\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_LF_dot_CRLF_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareLf);
        Assert.Equal("a\nMAIL FROM:<evil@x>\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_CRLF_dot_LF_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\r\n.\nMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareLf);
        Assert.Equal("a\r\nMAIL FROM:<evil@x>\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_CRLF_dot_CR_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\r\n.\rMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareCr);
        Assert.Equal("a\r\n\rMAIL FROM:<evil@x>\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_CR_dot_CRLF_is_not_the_end(int chunk)
    {
        var (sink, reader, _) = Run("a\r.\r\nMAIL FROM:<evil@x>\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareCr);
        Assert.Equal("a\r.\r\nMAIL FROM:<evil@x>\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Smuggling_LF_dot_LF_at_the_very_start_is_not_the_end(int chunk)
    {
        var (_, reader, _) = Run(".\nQUIT\n", chunk);
        Assert.False(reader.IsDone);
        Assert.True(reader.SawBareLf);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Bare_LF_lines_still_unstuff_dots(int chunk)
    {
        var (sink, reader, _) = Run("a\n..b\r\n.\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.Equal("a\n.b\r\n", sink.Text);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Dot_line_after_a_bare_LF_line_ended_by_CRLF_then_real_end(int chunk)
    {
        var (sink, reader, rest) = Run("x\n.\r\n.\r\nNOOP\r\n", chunk);
        Assert.True(reader.IsDone);
        Assert.Equal("x\n", sink.Text);
        Assert.Equal("NOOP\r\n", rest);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Counts_bytes_against_message_size_limit_and_stops_writing(int chunk)
    {
        var (sink, reader, rest) = Run("0123456789\r\n0123456789\r\n.\r\nQUIT\r\n", chunk, limit: 15);
        Assert.True(reader.IsDone);
        Assert.True(reader.TooBig);
        Assert.Equal(24, reader.Size);
        Assert.Equal(15, sink.Bytes.Length);
        Assert.Equal("QUIT\r\n", rest);
    }

    [Fact]
    public void Message_exactly_at_the_limit_is_not_too_big()
    {
        var (sink, reader, _) = Run("0123456789\r\n.\r\n", 4096, limit: 12);
        Assert.False(reader.TooBig);
        Assert.Equal(12, sink.Bytes.Length);
    }

    [Fact]
    public void Streams_content_in_runs_not_byte_by_byte()
    {
        var (sink, _, _) = Run(new string('x', 5000) + "\r\n.\r\n", 8192);
        Assert.True(sink.Writes <= 3, $"writes: {sink.Writes}");
    }

    [Fact]
    public void Span_reader_reports_bytes_used_up_to_the_end()
    {
        var reader = new SmtpDataReader(0);
        var sink = new CollectingSink();
        var bytes = Ascii("hi\r\n.\r\nQUIT\r\n");
        int used = reader.Read(bytes, sink);
        Assert.Equal(7, used);
        Assert.Equal("hi\r\n", sink.Text);
    }

    [Fact]
    public void Binary_bytes_pass_through_unchanged()
    {
        var reader = new SmtpDataReader(0);
        var sink = new CollectingSink();
        byte[] body = [0x00, 0xFF, 0x80, (byte)'\r', (byte)'\n', (byte)'.', (byte)'\r', (byte)'\n'];
        Assert.Equal(DataReadStatus.Done, reader.Read(new ReadOnlySequence<byte>(body), sink, out _));
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x80, (byte)'\r', (byte)'\n' }, sink.Bytes);
    }

    [Theory, MemberData(nameof(Chunks))]
    public void Normalize_stores_bare_LF_as_CRLF_but_still_requires_CRLF_dot_CRLF(int chunk)
    {
        var (sink, reader, _) = Run("a\nb\n.\nc\r\n.\r\n", chunk, normalize: true);
        Assert.True(reader.IsDone);
        Assert.True(reader.SawBareLf);
        Assert.Equal("a\r\nb\r\nc\r\n", sink.Text);
        Assert.Equal(sink.Bytes.Length, reader.Size);
    }

    [Theory]
    [InlineData("no", BareNewlinePolicy.No)]
    [InlineData("normalize", BareNewlinePolicy.Normalize)]
    [InlineData("YES", BareNewlinePolicy.Normalize)]
    [InlineData("Reject", BareNewlinePolicy.Reject)]
    [InlineData("note", BareNewlinePolicy.Note)]
    public void Parses_smtpd_forbid_bare_newline(string value, BareNewlinePolicy policy)
    {
        Assert.True(BareNewlinePolicies.TryParse(value, out var parsed));
        Assert.Equal(policy, parsed);
    }

    [Fact]
    public void Rejects_unknown_smtpd_forbid_bare_newline_values() =>
        Assert.False(BareNewlinePolicies.TryParse("maybe", out _));
}
