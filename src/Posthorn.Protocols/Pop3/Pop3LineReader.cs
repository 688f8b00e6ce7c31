using System.Buffers;

namespace Posthorn.Protocols.Pop3;

/// <summary>What <see cref="Pop3LineReader.TryRead"/> found.</summary>
public enum Pop3LineStatus
{
    /// <summary>No complete line yet: read more and call again with the grown buffer.</summary>
    NeedMoreData,

    /// <summary>A complete line (CRLF or bare LF stripped).</summary>
    Line,

    /// <summary>The line exceeded the limit; its bytes are being skipped up to the next LF. Answer -ERR once.</summary>
    TooLong,
}

/// <summary>
/// Resumable POP3 line reader over a <see cref="ReadOnlySequence{T}"/> in Kestrel's style: each
/// call reports how far the buffer was consumed and examined. Lines end in CRLF or a bare LF
/// (clients such as telnet on Unix send bare LF); the CR is stripped. A line longer than the
/// limit (RFC 2449 section 4 allows 255 octets for commands; SASL responses are longer, so the
/// default follows Dovecot's 64 KiB input buffer) is reported once as <see cref="Pop3LineStatus.TooLong"/>
/// and then discarded up to its LF, so the session resynchronises on the next line.
/// </summary>
public sealed class Pop3LineReader
{
    /// <summary>Default maximum line length in octets, excluding CRLF.</summary>
    public const int DefaultMaxLineLength = 65536;

    private readonly int _maxLineLength;
    private bool _discarding;

    /// <summary>Creates a reader with a line length limit (octets, excluding the line ending).</summary>
    public Pop3LineReader(int maxLineLength = DefaultMaxLineLength) => _maxLineLength = maxLineLength;

    /// <summary>Tries to take one line from <paramref name="buffer"/>.</summary>
    public Pop3LineStatus TryRead(in ReadOnlySequence<byte> buffer, out byte[] line, out SequencePosition consumed, out SequencePosition examined)
    {
        line = [];
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n', advancePastDelimiter: true))
            {
                examined = buffer.End;
                if (_discarding)
                {
                    consumed = buffer.End;
                    return Pop3LineStatus.NeedMoreData;
                }

                if (reader.Remaining > _maxLineLength + 1)
                {
                    _discarding = true;
                    consumed = buffer.End;
                    return Pop3LineStatus.TooLong;
                }

                consumed = reader.Position;
                return Pop3LineStatus.NeedMoreData;
            }

            if (_discarding)
            {
                _discarding = false;
                continue;
            }

            consumed = reader.Position;
            examined = consumed;
            if (raw.Length > 0 && raw.Slice(raw.Length - 1).FirstSpan[0] == (byte)'\r')
            {
                raw = raw.Slice(0, raw.Length - 1);
            }

            if (raw.Length > _maxLineLength)
            {
                return Pop3LineStatus.TooLong;
            }

            line = raw.ToArray();
            return Pop3LineStatus.Line;
        }
    }
}
