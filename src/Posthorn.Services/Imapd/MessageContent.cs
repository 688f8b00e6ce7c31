namespace Posthorn.Services.Imapd;

/// <summary>
/// Line ends between the store and the wire: messages are stored with LF (as delivery writes
/// them) and sent with CRLF (RFC 3501 section 4.3 counts octets of the CRLF form); APPENDed
/// messages are stored with LF.
/// </summary>
internal static class MessageContent
{
    public static byte[] Read(Stream stored)
    {
        using var buffer = new MemoryStream();
        stored.CopyTo(buffer);
        return ToCrlf(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public static byte[] ToCrlf(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream(data.Length + (data.Length / 40) + 2);
        byte previous = 0;
        foreach (var b in data)
        {
            if (b == (byte)'\n' && previous != (byte)'\r')
                output.WriteByte((byte)'\r');
            output.WriteByte(b);
            previous = b;
        }
        return output.ToArray();
    }

    public static byte[] ToLf(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream(data.Length);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] == (byte)'\r' && i + 1 < data.Length && data[i + 1] == (byte)'\n')
                continue;
            output.WriteByte(data[i]);
        }
        return output.ToArray();
    }
}
