using System.Buffers;

namespace Posthorn.Protocols.Pop3;

/// <summary>
/// Streams a message from a <see cref="Stream"/> as a POP3 multi-line body (RFC 1939 section 3)
/// without loading it whole: bare LF becomes CRLF, a line starting with "." gets another "."
/// (byte-stuffing), a last line without a line ending gets CRLF, and the terminating ".\r\n" is
/// written. With a line count it writes what TOP needs (RFC 1939 section 7): the header, the
/// blank line, then at most that many body lines.
/// </summary>
public static class Pop3DotStuffingWriter
{
    private const int ChunkSize = 16384;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> dot-stuffed; returns octets written.</summary>
    public static async ValueTask<long> CopyAsync(Stream source, Stream destination, int? bodyLines = null, CancellationToken cancellationToken = default)
    {
        var input = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var output = ArrayPool<byte>.Shared.Rent((ChunkSize * 3) + 8);
        try
        {
            var state = new State(bodyLines);
            long written = 0;
            int read;
            // A message already in memory is read synchronously: no state machine round per chunk.
            while (!state.Done && (read = source is MemoryStream memory ? memory.Read(input, 0, ChunkSize) : await source.ReadAsync(input.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                var n = state.Process(input.AsSpan(0, read), output);
                await destination.WriteAsync(output.AsMemory(0, n), cancellationToken);
                written += n;
            }

            var tail = state.Finish(output);
            await destination.WriteAsync(output.AsMemory(0, tail), cancellationToken);
            return written + tail;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>Writes text lines dot-stuffed followed by the terminating ".\r\n" into a buffer writer.</summary>
    internal static void WriteLines(IReadOnlyList<string> lines, IBufferWriter<byte> output)
    {
        foreach (var line in lines)
        {
            if (line.StartsWith('.'))
            {
                output.Write("."u8);
            }

            System.Text.EncodingExtensions.GetBytes(System.Text.Encoding.UTF8, line.AsSpan(), output);
            output.Write("\r\n"u8);
        }

        output.Write(".\r\n"u8);
    }

    /// <summary>The byte-level state carried across chunks.</summary>
    private sealed class State(int? bodyLines)
    {
        private bool _atLineStart = true;
        private bool _pendingCr;
        private bool _inBody;
        private int _bodyLinesLeft = bodyLines ?? -1;

        public bool Done { get; private set; }

        public int Process(ReadOnlySpan<byte> data, byte[] output)
        {
            var o = 0;
            var i = 0;
            while (i < data.Length && !Done)
            {
                if (_pendingCr)
                {
                    _pendingCr = false;
                    if (data[i] == (byte)'\n')
                    {
                        o = EndLine(output, o);
                        i++;
                        continue;
                    }

                    o = Put(output, o, (byte)'\r');
                }

                // Copy the run of ordinary bytes up to the next CR or LF in one go.
                var rest = data[i..];
                var run = rest.IndexOfAny((byte)'\r', (byte)'\n');
                if (run < 0)
                {
                    run = rest.Length;
                }

                if (run > 0)
                {
                    o = Put(output, o, rest[0]);
                    rest[1..run].CopyTo(output.AsSpan(o));
                    o += run - 1;
                    i += run;
                    continue;
                }

                if (rest[0] == (byte)'\r')
                {
                    _pendingCr = true;
                }
                else
                {
                    o = EndLine(output, o);
                }

                i++;
            }

            return o;
        }

        public int Finish(byte[] output)
        {
            var o = 0;
            if (_pendingCr && !Done)
            {
                o = Put(output, o, (byte)'\r');
            }

            if (!_atLineStart)
            {
                output[o++] = (byte)'\r';
                output[o++] = (byte)'\n';
            }

            output[o++] = (byte)'.';
            output[o++] = (byte)'\r';
            output[o++] = (byte)'\n';
            return o;
        }

        private int Put(byte[] output, int o, byte b)
        {
            if (_atLineStart && b == (byte)'.')
            {
                output[o++] = (byte)'.';
            }

            _atLineStart = false;
            output[o++] = b;
            return o;
        }

        private int EndLine(byte[] output, int o)
        {
            var wasEmpty = _atLineStart;
            output[o++] = (byte)'\r';
            output[o++] = (byte)'\n';
            _atLineStart = true;
            if (_bodyLinesLeft < 0)
            {
                return o;
            }

            if (_inBody)
            {
                if (--_bodyLinesLeft == 0)
                {
                    Done = true;
                }
            }
            else if (wasEmpty)
            {
                _inBody = true;
                Done = _bodyLinesLeft == 0;
            }

            return o;
        }
    }
}
