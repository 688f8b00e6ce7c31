namespace Posthorn.Core.Queue;

/// <summary>
/// Reads and writes one queue file record: the type byte, the data length as a base-128
/// varint (low seven bits first, high bit set on every byte but the last, at most five bytes),
/// then the data. The idea is Postfix's record(3); the encoding is Posthorn's own.
/// </summary>
internal static class RecordIO
{
    /// <summary>Largest data length a reader accepts unless told otherwise (16 MiB).</summary>
    public const int DefaultMaxLength = 16 * 1024 * 1024;

    public static int HeaderLength(int length)
    {
        int n = 2;
        for (uint v = (uint)length; v >= 0x80; v >>= 7)
            n++;
        return n;
    }

    public static void Write(Stream stream, RecordType type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[6];
        header[0] = (byte)type;
        int n = 1;
        uint v = (uint)data.Length;
        while (v >= 0x80)
        {
            header[n++] = (byte)(v | 0x80);
            v >>= 7;
        }
        header[n++] = (byte)v;
        stream.Write(header[..n]);
        stream.Write(data);
    }

    public static void Write(Stream stream, RecordType type, string text) =>
        Write(stream, type, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The outcome of reading one record header.</summary>
    public enum HeaderStatus
    {
        Ok,
        EndOfFile,   // clean end at a record boundary
        Truncated,   // the file ends inside a record
        Corrupt,     // bad length encoding or a length past the limit
    }

    /// <summary>Reads a type byte and length; leaves the stream at the data.</summary>
    public static HeaderStatus ReadHeader(Stream stream, int maxLength, out byte type, out int length)
    {
        length = 0;
        int t = stream.ReadByte();
        type = (byte)Math.Max(t, 0);
        if (t < 0)
            return HeaderStatus.EndOfFile;
        uint value = 0;
        for (int shift = 0; ; shift += 7)
        {
            int b = stream.ReadByte();
            if (b < 0)
                return HeaderStatus.Truncated;
            if (shift == 28 && (b & 0xF0) != 0)
                return HeaderStatus.Corrupt;
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                break;
            if (shift == 28)
                return HeaderStatus.Corrupt;
        }
        if (value > (uint)maxLength)
            return HeaderStatus.Corrupt;
        length = (int)value;
        return HeaderStatus.Ok;
    }
}
