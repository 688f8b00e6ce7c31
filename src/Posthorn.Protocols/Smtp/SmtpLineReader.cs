using System.Buffers;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Reads SMTP/LMTP command lines (and the client's reply lines) from a
/// <see cref="ReadOnlySequence{T}"/> in System.IO.Pipelines style: each call reports how far it
/// consumed and examined, so the caller can advance its pipe and wait for more data. Resumable:
/// a line split across any number of reads comes out the same.
/// Enforces line_length_limit (postconf(5)): past the limit the rest of the line is skipped
/// without being buffered, and the line is reported as <see cref="SmtpLine.TooLong"/>.
/// Detects bare LF and bare CR for smtpd_forbid_bare_newline.
/// </summary>
public sealed class SmtpLineReader
{
    private readonly int _lineLengthLimit;
    private byte[]? _truncated;       // first line_length_limit bytes of an over-long line
    private bool _skipping;            // discarding the rest of an over-long line
    private bool _skippedBareCr;
    private bool _skipPendingCr;       // the last skipped byte was CR

    /// <param name="lineLengthLimit">line_length_limit (Postfix default 2048); at least 1.</param>
    public SmtpLineReader(int lineLengthLimit) =>
        _lineLengthLimit = Math.Max(1, lineLengthLimit);

    /// <summary>The limit this reader enforces.</summary>
    public int LineLengthLimit => _lineLengthLimit;

    /// <summary>
    /// Tries to read one line. Returns false when more data is needed; then
    /// <paramref name="consumed"/> and <paramref name="examined"/> say how far to advance.
    /// </summary>
    public bool TryReadLine(ReadOnlySequence<byte> buffer, out SmtpLine line,
        out SequencePosition consumed, out SequencePosition examined)
    {
        line = default;
        if (_skipping)
            return Skip(buffer, out line, out consumed, out examined);

        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryAdvanceTo((byte)'\n', advancePastDelimiter: false))
        {
            // One byte of slack for the CR of a line exactly line_length_limit long.
            if (buffer.Length > (long)_lineLengthLimit + 1)
            {
                // Keep the first limit bytes (a trailing CR is not text), skip the rest.
                StartSkipping(buffer.Slice(0, _lineLengthLimit));
                var rest = buffer.Slice(_lineLengthLimit);
                return Skip(rest, out line, out consumed, out examined);
            }
            consumed = buffer.Start;
            examined = buffer.End;
            return false;
        }

        var lfPos = reader.Position;
        var content = buffer.Slice(0, lfPos);
        consumed = examined = buffer.GetPosition(1, lfPos);
        var ending = LineEnding.BareLf;
        if (content.Length > 0 && LastByte(content) == (byte)'\r')
        {
            ending = LineEnding.CrLf;
            content = content.Slice(0, content.Length - 1);
        }
        bool tooLong = content.Length > _lineLengthLimit;
        if (tooLong)
            content = content.Slice(0, _lineLengthLimit);
        line = new SmtpLine(content, ending, ContainsCr(content), tooLong);
        return true;
    }

    private void StartSkipping(ReadOnlySequence<byte> kept)
    {
        _truncated = kept.ToArray();
        _skipping = true;
        _skippedBareCr = false;
        _skipPendingCr = false;
    }

    private bool Skip(ReadOnlySequence<byte> buffer, out SmtpLine line,
        out SequencePosition consumed, out SequencePosition examined)
    {
        line = default;
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryRead(out byte b))
        {
            if (b == (byte)'\n')
            {
                var ending = _skipPendingCr ? LineEnding.CrLf : LineEnding.BareLf;
                var kept = _truncated ?? [];
                int keptLength = kept.Length;
                // A CR kept as the last text byte followed directly by the skipped part is text.
                line = new SmtpLine(new ReadOnlySequence<byte>(kept, 0, keptLength), ending,
                    _skippedBareCr || ContainsCr(new ReadOnlySequence<byte>(kept)), TooLong: true);
                consumed = examined = reader.Position;
                _skipping = false;
                _truncated = null;
                return true;
            }
            if (_skipPendingCr)
                _skippedBareCr = true;
            _skipPendingCr = b == (byte)'\r';
        }
        consumed = examined = buffer.End;
        return false;
    }

    private static byte LastByte(ReadOnlySequence<byte> seq) =>
        seq.IsSingleSegment ? seq.FirstSpan[^1] : seq.Slice(seq.Length - 1).FirstSpan[0];

    private static bool ContainsCr(ReadOnlySequence<byte> seq)
    {
        foreach (var mem in seq)
            if (mem.Span.Contains((byte)'\r'))
                return true;
        return false;
    }
}
