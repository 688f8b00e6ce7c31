using System.Buffers;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Reads the content of a DATA command (RFC 5321 section 4.1.1.4) as a byte-at-a-time state
/// machine, resumable at any split point. It removes dot-stuffing (section 4.5.2) at the start of
/// every line and streams the content to an <see cref="IContentSink"/> as it arrives.
/// The end of data is ONLY CR LF "." CR LF: "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n" and the like
/// are never the end, which closes SMTP smuggling whatever smtpd_forbid_bare_newline says (as
/// Postfix 3.9's "normalize" does). As in Postfix, a lone "." line that is not the end because
/// it or the line before it ended in a bare LF is dropped, neither stored nor taken as the end. Bare LF and bare CR are reported so smtpd can apply
/// smtpd_forbid_bare_newline. Content bytes are counted as they arrive against
/// message_size_limit (0 means no limit); past it nothing more reaches the sink, but the reader
/// keeps reading to the end of data so the session stays in step.
/// The sink receives the message as sent, minus the stuffing dots and the final ".CRLF"
/// (the CRLF ending the last line is content).
/// </summary>
public sealed class SmtpDataReader
{
    private enum State
    {
        LineStartAfterCrLf, // "." here may begin the end of data
        LineStartAfterLf,   // after a bare LF: a "." is unstuffed but never ends data
        DotAfterCrLf,       // saw CRLF "."
        DotAfterCrLfCr,     // saw CRLF "." CR
        DotAfterLf,         // saw bare LF "."
        DotAfterLfCr,       // saw bare LF "." CR
        InLine,
        Cr,                 // saw CR inside a line
        Done,
    }

    private static readonly byte[] CrBytes = [(byte)'\r'];
    private static readonly byte[] CrLfBytes = [(byte)'\r', (byte)'\n'];
    private readonly long _sizeLimit;
    private readonly bool _normalizeBareLf;
    private State _state = State.LineStartAfterCrLf;

    /// <param name="messageSizeLimit">message_size_limit in bytes; 0 for none.</param>
    /// <param name="normalizeBareLf">Write a bare LF to the sink as CR LF
    /// (smtpd_forbid_bare_newline = normalize); the end of data is CR LF "." CR LF either way.</param>
    public SmtpDataReader(long messageSizeLimit, bool normalizeBareLf = false)
    {
        _sizeLimit = messageSizeLimit;
        _normalizeBareLf = normalizeBareLf;
    }

    /// <summary>Content bytes received so far (after unstuffing), including those past the limit.</summary>
    public long Size { get; private set; }

    /// <summary>The content went past message_size_limit: reply 552 5.3.4 at the end.</summary>
    public bool TooBig => _sizeLimit > 0 && Size > _sizeLimit;

    /// <summary>A line ended in LF without CR.</summary>
    public bool SawBareLf { get; private set; }

    /// <summary>A CR was not followed by LF.</summary>
    public bool SawBareCr { get; private set; }

    /// <summary>The end of data was seen.</summary>
    public bool IsDone => _state == State.Done;

    /// <summary>
    /// Consumes bytes from <paramref name="buffer"/> up to and including the end of data;
    /// <paramref name="consumed"/> is where the next command starts when the result is Done.
    /// </summary>
    public DataReadStatus Read(ReadOnlySequence<byte> buffer, IContentSink sink, out SequencePosition consumed)
    {
        consumed = buffer.Start;
        foreach (var memory in buffer)
        {
            int used = Read(memory.Span, sink);
            if (_state == State.Done)
            {
                consumed = buffer.GetPosition(used, consumed);
                return DataReadStatus.Done;
            }
            consumed = buffer.GetPosition(memory.Length, consumed);
        }
        return DataReadStatus.NeedMoreData;
    }

    /// <summary>Consumes bytes from a span; returns how many were used (less than all only when Done).</summary>
    public int Read(ReadOnlySpan<byte> span, IContentSink sink)
    {
        int runStart = 0;
        int i = 0;
        for (; i < span.Length && _state != State.Done; i++)
        {
            if (_state == State.InLine)
            {
                // Fast path: inside a line only CR and LF matter; the rest joins the run.
                int next = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                if (next < 0)
                {
                    i = span.Length;
                    break;
                }
                i += next;
            }
            byte b = span[i];
            switch (_state)
            {
                case State.LineStartAfterCrLf:
                case State.LineStartAfterLf:
                    if (b == (byte)'.')
                    {
                        Flush(span[runStart..i], sink);
                        runStart = i + 1; // the stuffing dot is never content
                        _state = _state == State.LineStartAfterCrLf ? State.DotAfterCrLf : State.DotAfterLf;
                    }
                    else
                    {
                        InLine(b, span, ref runStart, i, sink);
                    }
                    break;
                case State.DotAfterCrLf:
                case State.DotAfterLf:
                    if (b == (byte)'\r')
                    {
                        runStart = i + 1;
                        _state = _state == State.DotAfterCrLf ? State.DotAfterCrLfCr : State.DotAfterLfCr;
                    }
                    else if (b == (byte)'\n')
                    {
                        // A lone "." ending in a bare LF: neither the end nor content (as Postfix).
                        SawBareLf = true;
                        runStart = i + 1;
                        _state = State.LineStartAfterLf;
                    }
                    else
                    {
                        InLine(b, span, ref runStart, i, sink);
                    }
                    break;
                case State.DotAfterCrLfCr:
                case State.DotAfterLfCr:
                    if (b == (byte)'\n')
                    {
                        runStart = i + 1;
                        // CRLF "." CRLF ends the data; after a bare-LF line the "." line is dropped.
                        _state = _state == State.DotAfterCrLfCr ? State.Done : State.LineStartAfterCrLf;
                    }
                    else
                    {
                        // "." CR x: the CR was bare; it is content, the dot was stuffing.
                        SawBareCr = true;
                        Flush(CrBytes, sink);
                        runStart = i;
                        _state = State.InLine;
                        InLine(b, span, ref runStart, i, sink);
                    }
                    break;
                case State.InLine:
                    InLine(b, span, ref runStart, i, sink);
                    break;
                case State.Cr:
                    if (b == (byte)'\n')
                    {
                        _state = State.LineStartAfterCrLf;
                    }
                    else
                    {
                        SawBareCr = true;
                        _state = State.InLine;
                        InLine(b, span, ref runStart, i, sink);
                    }
                    break;
            }
        }
        int end = _state == State.Done ? i : span.Length;
        // A CR held at the end of the span (state Cr) is flushed with the run: it is content
        // whatever follows. A CR after a line-start dot (DotAfterCrLfCr) is held back.
        if (runStart < end)
            Flush(span[runStart..end], sink);
        return i;
    }

    private void InLine(byte b, ReadOnlySpan<byte> span, ref int runStart, int i, IContentSink sink)
    {
        if (b == (byte)'\r')
        {
            _state = State.Cr;
        }
        else if (b == (byte)'\n')
        {
            SawBareLf = true;
            _state = State.LineStartAfterLf;
            if (_normalizeBareLf)
            {
                Flush(span[runStart..i], sink);
                Flush(CrLfBytes, sink);
                runStart = i + 1;
            }
        }
        else
        {
            _state = State.InLine;
        }
    }

    private void Flush(ReadOnlySpan<byte> bytes, IContentSink sink)
    {
        if (bytes.IsEmpty)
            return;
        long before = Size;
        Size += bytes.Length;
        if (_sizeLimit <= 0)
        {
            sink.Write(bytes);
        }
        else if (before < _sizeLimit)
        {
            long room = _sizeLimit - before;
            sink.Write(room >= bytes.Length ? bytes : bytes[..(int)room]);
        }
    }
}
