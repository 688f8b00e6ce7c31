using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>What <see cref="ImapCommandReader.TryRead"/> produced.</summary>
public enum ImapReadStatus
{
    /// <summary>Read more input and call again.</summary>
    NeedMoreData,

    /// <summary>A synchronising literal {n} was announced: send "+ Ready for additional command text" (<see cref="ImapCommandReader.ContinuationText"/>), then keep reading.</summary>
    NeedContinuation,

    /// <summary>A complete command is in <see cref="ImapReadResult.Command"/>.</summary>
    Command,

    /// <summary>The command is malformed or its line too long: answer "tag BAD reason" (tag may be "*"); the reader has resynchronised.</summary>
    Bad,

    /// <summary>A literal exceeds the limit: answer "tag NO [TOOBIG] ..." (RFC 7888, RFC 4469); a non-synchronising literal's octets are skipped.</summary>
    TooBig,
}

/// <summary>One result of the reader: status plus the command or the tag and reason for an error.</summary>
public readonly record struct ImapReadResult(ImapReadStatus Status, ImapCommandLine? Command = null, string Tag = "*", string? Reason = null);

/// <summary>
/// Resumable IMAP command reader (RFC 3501 section 2.2 and 4, RFC 9051, LITERAL+/LITERAL- RFC
/// 7888, literal8 RFC 3516) over a <see cref="ReadOnlySequence{T}"/> in Kestrel's style:
/// consumed/examined positions. A command is a line, or lines joined by literals: "{n}" makes
/// the reader ask for a continuation; "{n+}" does not; "~{n}" is a literal8. Command text is
/// capped by <see cref="ImapLimits.MaxLineLength"/>, literals by <see cref="ImapLimits.MaxLiteralSize"/>;
/// past a limit the reader reports BAD or TOOBIG, skips what the client still sends for that
/// command, and carries on with the next one. Lines may end in CRLF or bare LF.
/// </summary>
public sealed class ImapCommandReader
{
    /// <summary>The continuation line text for a synchronising literal, without CRLF.</summary>
    public const string ContinuationText = "+ Ready for additional command text";

    private enum Mode
    {
        Line,
        Literal,
        DiscardLine,
    }

    private readonly ImapLimits _limits;
    private readonly List<byte[]> _lines = [];
    private readonly List<(byte[] Data, bool Binary)> _literals = [];
    private Mode _mode;
    private long _lineTotal;
    private long _literalTotal;
    private byte[] _literal = [];
    private bool _literalBinary;
    private long _literalFilled;
    private long _literalRemaining;
    private bool _discardCommand;

    /// <summary>Creates a reader with the given limits.</summary>
    public ImapCommandReader(ImapLimits? limits = null)
    {
        _limits = limits ?? new ImapLimits();
        if (_limits.MaxLiteralSize > Array.MaxLength)
        {
            // Literals are buffered in one array; larger limits cannot be honoured.
            _limits = _limits with { MaxLiteralSize = Array.MaxLength };
        }
    }

    /// <summary>Reads as far as the next event (command, continuation, error) or the end of the buffer.</summary>
    public ImapReadResult TryRead(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out SequencePosition examined)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            switch (_mode)
            {
                case Mode.Literal:
                {
                    var take = (int)Math.Min(_literalRemaining, reader.Remaining);
                    if (!_discardCommand && take > 0)
                    {
                        reader.UnreadSequence.Slice(0, take).CopyTo(_literal.AsSpan((int)_literalFilled));
                        _literalFilled += take;
                    }

                    reader.Advance(take);
                    _literalRemaining -= take;
                    if (_literalRemaining > 0)
                    {
                        consumed = reader.Position;
                        examined = buffer.End;
                        return default;
                    }

                    if (!_discardCommand)
                    {
                        _literals.Add((_literal, _literalBinary));
                    }

                    _literal = [];
                    _mode = Mode.Line;
                    continue;
                }

                case Mode.DiscardLine:
                    if (!reader.TryAdvanceTo((byte)'\n'))
                    {
                        consumed = buffer.End;
                        examined = buffer.End;
                        return default;
                    }

                    Reset();
                    continue;
            }

            if (!reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n'))
            {
                if (_lineTotal + reader.Remaining > _limits.MaxLineLength + 1)
                {
                    var tag = CurrentTag(reader.UnreadSequence);
                    var discard = _discardCommand;
                    Reset();
                    _mode = Mode.DiscardLine;
                    consumed = buffer.End;
                    examined = buffer.End;
                    return discard ? default : new ImapReadResult(ImapReadStatus.Bad, Tag: tag, Reason: "Too long argument.");
                }

                consumed = reader.Position;
                examined = buffer.End;
                return default;
            }

            consumed = reader.Position;
            examined = consumed;
            if (raw.Length > 0 && raw.Slice(raw.Length - 1).FirstSpan[0] == (byte)'\r')
            {
                raw = raw.Slice(0, raw.Length - 1);
            }

            _lineTotal += raw.Length;
            var line = raw.ToArray();
            if (_lineTotal > _limits.MaxLineLength)
            {
                var tag = CurrentTag(new ReadOnlySequence<byte>(line));
                var discard = _discardCommand;
                Reset();
                if (discard)
                {
                    continue;
                }

                return new ImapReadResult(ImapReadStatus.Bad, Tag: tag, Reason: "Too long argument.");
            }

            if (!_discardCommand)
            {
                _lines.Add(line);
            }

            if (LiteralMarker.TryParse(line, out var marker))
            {
                if (_discardCommand)
                {
                    if (marker.Synchronizing)
                    {
                        // The client waits for a continuation that will not come; it already has our BAD.
                        Reset();
                        continue;
                    }

                    BeginLiteral(marker);
                    continue;
                }

                if (marker.Size > _limits.MaxLiteralSize || _literalTotal + marker.Size > _limits.MaxLiteralSize)
                {
                    if (marker.Synchronizing)
                    {
                        return Fail(ImapReadStatus.TooBig, "Literal too big.", discardRest: false);
                    }

                    var result = Fail(ImapReadStatus.TooBig, "Literal too big.", discardRest: true);
                    BeginLiteral(marker);
                    return result;
                }

                BeginLiteral(marker);
                if (marker.Synchronizing)
                {
                    return new ImapReadResult(ImapReadStatus.NeedContinuation);
                }

                continue;
            }

            if (_discardCommand)
            {
                Reset();
                continue;
            }

            var lines = _lines.ToArray();
            var literals = _literals.ToArray();
            Reset();
            return ImapTokenizer.Tokenize(lines, literals, _limits.MaxListDepth);
        }
    }

    /// <summary>
    /// Reads one plain line (an AUTHENTICATE response, or IDLE's DONE) without tokenising it.
    /// Returns false when no complete line is buffered yet.
    /// </summary>
    public bool TryReadLine(in ReadOnlySequence<byte> buffer, out string? line, out bool tooLong, out SequencePosition consumed, out SequencePosition examined)
    {
        line = null;
        tooLong = false;
        var reader = new SequenceReader<byte>(buffer);
        if (_mode == Mode.DiscardLine)
        {
            if (!reader.TryAdvanceTo((byte)'\n'))
            {
                consumed = examined = buffer.End;
                return false;
            }

            Reset();
        }

        if (!reader.TryReadTo(out ReadOnlySequence<byte> raw, (byte)'\n'))
        {
            examined = buffer.End;
            if (reader.Remaining > _limits.MaxLineLength + 1)
            {
                _mode = Mode.DiscardLine;
                consumed = buffer.End;
                tooLong = true;
                return true;
            }

            consumed = reader.Position;
            return false;
        }

        consumed = examined = reader.Position;
        if (raw.Length > 0 && raw.Slice(raw.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            raw = raw.Slice(0, raw.Length - 1);
        }

        tooLong = raw.Length > _limits.MaxLineLength;
        line = tooLong ? null : Encoding.UTF8.GetString(raw);
        return true;
    }

    private ImapReadResult Fail(ImapReadStatus status, string reason, bool discardRest)
    {
        var tag = _lines.Count > 0 ? CurrentTag(new ReadOnlySequence<byte>(_lines[0])) : "*";
        Reset();
        _discardCommand = discardRest;
        return new ImapReadResult(status, Tag: tag, Reason: reason);
    }

    private void BeginLiteral(LiteralMarker marker)
    {
        _mode = Mode.Literal;
        _literalRemaining = marker.Size;
        _literalFilled = 0;
        _literalBinary = marker.Binary;
        if (!_discardCommand)
        {
            _literal = new byte[marker.Size];
            _literalTotal += marker.Size;
        }
    }

    /// <summary>
    /// The text read so far of a command that waits for a literal (after
    /// <see cref="ImapReadStatus.NeedContinuation"/>), e.g. "A1 APPEND Drafts (\Seen) {310}",
    /// so that the server can refuse it (NO [TRYCREATE]) before asking for the literal.
    /// </summary>
    public string? PendingCommandText =>
        _lines.Count == 0 ? null : string.Join(" ", _lines.Select(l => Encoding.UTF8.GetString(l)));

    /// <summary>
    /// Drops the command being read, e.g. when the server refuses a synchronising literal with a
    /// tagged NO instead of sending the continuation (RFC 3501 section 7.5); the client then does
    /// not send the literal.
    /// </summary>
    public void Abandon() => Reset();

    private void Reset()
    {
        _lines.Clear();
        _literals.Clear();
        _mode = Mode.Line;
        _lineTotal = 0;
        _literalTotal = 0;
        _literal = [];
        _literalRemaining = 0;
        _discardCommand = false;
    }

    private string CurrentTag(ReadOnlySequence<byte> rest)
    {
        var first = _lines.Count > 0 ? new ReadOnlySequence<byte>(_lines[0]) : rest;
        var span = first.Length > 64 ? first.Slice(0, 64).ToArray() : first.ToArray();
        var end = Array.IndexOf(span, (byte)' ');
        var tag = Encoding.UTF8.GetString(end < 0 ? span : span.AsSpan(0, end));
        return ImapTokenizer.IsValidTag(tag) ? tag : "*";
    }
}

/// <summary>A literal marker at the end of a line: "{n}", "{n+}", "~{n}".</summary>
internal readonly record struct LiteralMarker(long Size, bool Synchronizing, bool Binary)
{
    /// <summary>Finds a marker at the end of <paramref name="line"/>; an absurd size becomes <see cref="long.MaxValue"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out LiteralMarker marker)
    {
        marker = default;
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return false;
        }

        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return false;
        }

        var inner = line[(open + 1)..^1];
        var nonSync = inner.Length > 0 && (inner[^1] == (byte)'+' || inner[^1] == (byte)'-');
        if (nonSync)
        {
            inner = inner[..^1];
        }

        if (inner.Length == 0)
        {
            return false;
        }

        long size = 0;
        foreach (var b in inner)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            // An absurd size saturates and is refused as too big.
            size = size > (long.MaxValue - 9) / 10 ? long.MaxValue : (size * 10) + (b - '0');
        }

        // A literal must follow a space or an opening parenthesis ("(" for APPEND's list forms).
        var binary = open > 0 && line[open - 1] == (byte)'~';
        var before = binary ? open - 1 : open;
        if (before > 0 && line[before - 1] is not ((byte)' ' or (byte)'(' or (byte)'['))
        {
            return false;
        }

        marker = new LiteralMarker(size, !nonSync, binary);
        return true;
    }
}
