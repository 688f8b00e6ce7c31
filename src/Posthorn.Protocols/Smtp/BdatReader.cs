using System.Buffers;

namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Accounts for BDAT chunks (RFC 3030 CHUNKING): each <c>BDAT n [LAST]</c> is followed by exactly
/// n octets, taken verbatim (no dot-stuffing, any bytes) and streamed to the sink. Counts the
/// whole message against message_size_limit (0 means no limit) across chunks; past the limit
/// nothing more reaches the sink but every announced octet is still read so the session stays
/// in step. One instance serves one message; call <see cref="StartChunk"/> per BDAT command.
/// </summary>
public sealed class BdatReader
{
    private readonly long _sizeLimit;
    private long _remaining;

    /// <param name="messageSizeLimit">message_size_limit in bytes; 0 for none.</param>
    public BdatReader(long messageSizeLimit) => _sizeLimit = messageSizeLimit;

    /// <summary>Bytes received in all chunks so far.</summary>
    public long Size { get; private set; }

    /// <summary>The message went past message_size_limit.</summary>
    public bool TooBig => _sizeLimit > 0 && Size > _sizeLimit;

    /// <summary>The last chunk (BDAT ... LAST) has been read completely.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Bytes of the current chunk still to come.</summary>
    public long Remaining => _remaining;

    /// <summary>Whether the current chunk is the LAST one.</summary>
    public bool InLastChunk { get; private set; }

    /// <summary>
    /// True when a chunk of <paramref name="chunkSize"/> octets would take the message past
    /// message_size_limit: Postfix then skips the chunk and replies
    /// "552 5.3.4 Chunk exceeds message size limit" before reading it.
    /// </summary>
    public bool WouldExceed(long chunkSize) => _sizeLimit > 0 && Size > _sizeLimit - chunkSize;

    /// <summary>Begins a chunk of <paramref name="size"/> octets announced by a BDAT command.</summary>
    public void StartChunk(long size, bool last)
    {
        if (IsComplete)
            throw new InvalidOperationException("BDAT after the LAST chunk");
        _remaining = size;
        InLastChunk = last;
        if (size == 0 && last)
            IsComplete = true;
    }

    /// <summary>
    /// Takes up to <see cref="Remaining"/> bytes; returns Done when the chunk is complete, with
    /// <paramref name="consumed"/> at the first byte after it (the next command).
    /// </summary>
    public DataReadStatus Read(ReadOnlySequence<byte> buffer, IContentSink sink, out SequencePosition consumed)
    {
        long take = Math.Min(_remaining, buffer.Length);
        var chunk = buffer.Slice(0, take);
        foreach (var memory in chunk)
            Deliver(memory.Span, sink);
        _remaining -= take;
        consumed = chunk.End;
        if (_remaining > 0)
            return DataReadStatus.NeedMoreData;
        if (InLastChunk)
            IsComplete = true;
        return DataReadStatus.Done;
    }

    private void Deliver(ReadOnlySpan<byte> bytes, IContentSink sink)
    {
        long before = Size;
        Size += bytes.Length;
        if (_sizeLimit <= 0)
            sink.Write(bytes);
        else if (before < _sizeLimit)
            sink.Write(bytes[..(int)Math.Min(bytes.Length, _sizeLimit - before)]);
    }
}
