using System.Buffers;
using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// Line ends between the store and the wire: messages are stored with LF (as delivery writes
/// them) and sent with CRLF (RFC 3501 section 4.3 counts octets of the CRLF form); APPENDed
/// messages are stored with LF. <see cref="Load"/> reads a stored message for FETCH and
/// SEARCH: the whole file, or for a large message whose header is all that is needed only its
/// first <see cref="HeaderPrefixSize"/> octets (the rest is read if an item asks for it).
/// </summary>
internal static class MessageContent
{
    /// <summary>Files up to this size are read whole even when only the header is needed.</summary>
    public const int SmallMessageSize = 64 * 1024;

    /// <summary>How much of a large file is read for its header first.</summary>
    public const int HeaderPrefixSize = 16 * 1024;

    /// <summary>The content of a stored message, read now; null when another session removed it.</summary>
    public static ImapMessageContent? Load(IMailbox box, uint uid, bool headerOnly)
    {
        using var stream = box.OpenMessage(uid);
        if (stream is null)
            return null;
        if (!headerOnly || !stream.CanSeek || stream.Length <= SmallMessageSize)
            return ImapMessageContent.FromBytes(Read(stream));
        var (prefix, whole) = ReadHeaderPrefix(stream);
        return whole ? ImapMessageContent.FromBytes(prefix) : new ImapMessageContent(() => ReadAgain(box, uid), () => prefix);
    }

    /// <summary>The content of a stored message, read only when an item asks (SEARCH); an empty message when it is gone.</summary>
    public static ImapMessageContent Lazy(IMailbox box, uint uid, bool headerOnly) =>
        new(() => ReadAgain(box, uid), headerOnly ? () => HeaderPrefix(box, uid) : null);

    /// <summary>The content of a stored message whose header is known (from the FETCH cache).</summary>
    public static ImapMessageContent Lazy(IMailbox box, uint uid, byte[] header) =>
        new(() => ReadAgain(box, uid), () => header);

    private static byte[] HeaderPrefix(IMailbox box, uint uid)
    {
        using var stream = box.OpenMessage(uid);
        if (stream is null)
            return [];
        if (!stream.CanSeek || stream.Length <= SmallMessageSize)
            return Read(stream);
        return ReadHeaderPrefix(stream).Octets;
    }

    /// <summary>The first octets of a large file, CRLF, when they hold the empty line that ends the header; else the whole file.</summary>
    private static (byte[] Octets, bool Whole) ReadHeaderPrefix(Stream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(HeaderPrefixSize);
        try
        {
            var n = stream.ReadAtLeast(buffer.AsSpan(0, HeaderPrefixSize), HeaderPrefixSize, throwOnEndOfStream: false);
            var prefix = ToCrlf(buffer.AsSpan(0, n));
            if (n < HeaderPrefixSize)
                return (prefix, true);
            if (prefix.AsSpan().IndexOf("\r\n\r\n"u8) >= 0)
                return (prefix, false);
            stream.Position = 0;
            return (Read(stream), true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] ReadAgain(IMailbox box, uint uid)
    {
        using var stream = box.OpenMessage(uid);
        return stream is null ? [] : Read(stream);
    }

    /// <summary>The rest of a stored message, CRLF (a Maildir file or an mbox message's copy: neither grows while read).</summary>
    public static byte[] Read(Stream stored)
    {
        if (stored.CanSeek && stored.Length - stored.Position <= Array.MaxLength / 2)
        {
            var size = (int)(stored.Length - stored.Position);
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
            try
            {
                var n = stored.ReadAtLeast(buffer.AsSpan(0, size), size, throwOnEndOfStream: false);
                return ToCrlf(buffer.AsSpan(0, n));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        using var copy = new MemoryStream();
        stored.CopyTo(copy);
        return ToCrlf(copy.GetBuffer().AsSpan(0, (int)copy.Length));
    }

    /// <summary>Turns every LF not preceded by CR into CRLF.</summary>
    public static byte[] ToCrlf(ReadOnlySpan<byte> data)
    {
        var bare = data.Count((byte)'\n') - data.Count("\r\n"u8);
        if (bare == 0)
            return data.ToArray();
        var output = new byte[data.Length + bare];
        var at = 0;
        var rest = data;
        while (true)
        {
            var lf = rest.IndexOf((byte)'\n');
            if (lf < 0)
            {
                rest.CopyTo(output.AsSpan(at));
                break;
            }
            rest[..lf].CopyTo(output.AsSpan(at));
            at += lf;
            if (lf == 0 ? !EndsWithCr(data, rest) : rest[lf - 1] != (byte)'\r')
                output[at++] = (byte)'\r';
            output[at++] = (byte)'\n';
            rest = rest[(lf + 1)..];
        }
        return output;
    }

    /// <summary>Whether the octet before <paramref name="rest"/> in <paramref name="data"/> is CR.</summary>
    private static bool EndsWithCr(ReadOnlySpan<byte> data, ReadOnlySpan<byte> rest)
    {
        var offset = data.Length - rest.Length;
        return offset > 0 && data[offset - 1] == (byte)'\r';
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
