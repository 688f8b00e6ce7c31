using System.Buffers;
using System.Text;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

/// <summary>Builds multi-segment sequences and feeds parsers at every split point.</summary>
internal static class TestSupport
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>A sequence of segments of at most <paramref name="segmentSize"/> bytes.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (int i = segmentSize; i < bytes.Length; i += segmentSize)
            last = last.Append(bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static byte[] Ascii(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>
    /// Feeds <paramref name="input"/> to a line reader <paramref name="chunk"/> bytes at a time,
    /// as a pipe would: unconsumed bytes stay, new bytes are appended.
    /// </summary>
    public static List<(string Text, SmtpLine Line)> ReadLines(SmtpLineReader reader, byte[] input, int chunk)
    {
        var result = new List<(string, SmtpLine)>();
        var pending = new List<byte>();
        for (int i = 0; i < input.Length; i += chunk)
        {
            pending.AddRange(input.AsSpan(i, Math.Min(chunk, input.Length - i)).ToArray());
            while (true)
            {
                var seq = Segmented(pending.ToArray(), Math.Max(1, chunk));
                bool got = reader.TryReadLine(seq, out var line, out var consumed, out _);
                long used = seq.Slice(0, consumed).Length;
                if (got)
                    result.Add((Encoding.UTF8.GetString(line.Text.ToArray()), line with { Text = new ReadOnlySequence<byte>(line.Text.ToArray()) }));
                pending.RemoveRange(0, (int)used);
                if (!got)
                    break;
            }
        }
        return result;
    }
}

/// <summary>Collects what a DATA/BDAT reader streams out.</summary>
internal sealed class CollectingSink : IContentSink
{
    private readonly List<byte> _bytes = [];

    public int Writes { get; private set; }

    public void Write(ReadOnlySpan<byte> content)
    {
        Writes++;
        _bytes.AddRange(content.ToArray());
    }

    public byte[] Bytes => _bytes.ToArray();

    public string Text => Encoding.UTF8.GetString(Bytes);
}
