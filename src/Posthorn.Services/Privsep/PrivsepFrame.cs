using System.Buffers.Binary;

namespace Posthorn.Services.Privsep;

/// <summary>
/// One message on the pipes between the master and <c>posthorn privsep</c>: a 12-byte header
/// of three big-endian 32-bit numbers (the length of everything after the first number, the
/// request id, the length of the JSON part), then the JSON (a <see cref="DeliverAsRequest"/>
/// or <see cref="DeliverAsResponse"/>), then the body (a request's message bytes; empty in
/// responses). Ids let several requests be in flight at once and be answered in any order.
/// A frame longer than <see cref="MaxLength"/> or with an impossible JSON length is a
/// protocol error (<see cref="InvalidDataException"/>).
/// </summary>
public sealed class PrivsepFrame
{
    /// <summary>The largest frame accepted (1 GiB: above any message_size_limit in practice).</summary>
    public const int MaxLength = 1 << 30;

    private const int HeaderSize = 12;

    private readonly byte[] _payload;
    private readonly int _jsonLength;

    private PrivsepFrame(uint id, byte[] payload, int jsonLength)
    {
        Id = id;
        _payload = payload;
        _jsonLength = jsonLength;
    }

    public uint Id { get; }

    public ReadOnlySpan<byte> Json => _payload.AsSpan(0, _jsonLength);

    public ReadOnlyMemory<byte> Body => _payload.AsMemory(_jsonLength);

    /// <summary>One buffer holding the whole frame, for a single write.</summary>
    public static byte[] Encode(uint id, ReadOnlySpan<byte> json, ReadOnlySpan<byte> body)
    {
        long rest = 8L + json.Length + body.Length;
        if (rest > MaxLength)
            throw new InvalidDataException($"privsep frame too large: {rest} bytes");
        var frame = new byte[HeaderSize + json.Length + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)rest);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), id);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), (uint)json.Length);
        json.CopyTo(frame.AsSpan(HeaderSize));
        body.CopyTo(frame.AsSpan(HeaderSize + json.Length));
        return frame;
    }

    /// <summary>Reads one frame; null at the end of the stream before a frame starts.</summary>
    public static PrivsepFrame? Read(Stream s)
    {
        var header = new byte[HeaderSize];
        int got = s.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false);
        if (got == 0)
            return null;
        if (got < HeaderSize)
            throw new EndOfStreamException("privsep frame truncated");
        var (id, payload, jsonLength) = Parse(header);
        s.ReadExactly(payload);
        return new PrivsepFrame(id, payload, jsonLength);
    }

    /// <summary>Reads one frame; null at the end of the stream before a frame starts.</summary>
    public static async Task<PrivsepFrame?> ReadAsync(Stream s, CancellationToken cancel)
    {
        var header = new byte[HeaderSize];
        int got = await s.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancel);
        if (got == 0)
            return null;
        if (got < HeaderSize)
            throw new EndOfStreamException("privsep frame truncated");
        var (id, payload, jsonLength) = Parse(header);
        await s.ReadExactlyAsync(payload, cancel);
        return new PrivsepFrame(id, payload, jsonLength);
    }

    private static (uint Id, byte[] Payload, int JsonLength) Parse(byte[] header)
    {
        uint rest = BinaryPrimitives.ReadUInt32BigEndian(header);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        uint json = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
        if (rest < 8 || rest > MaxLength || json > rest - 8)
            throw new InvalidDataException($"bad privsep frame (length {rest}, json {json})");
        return (id, new byte[rest - 8], (int)json);
    }
}
