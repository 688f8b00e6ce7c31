using System.Buffers;
using System.Text;

namespace Posthorn.Services.Cleanup;

/// <summary>
/// Turns message content lines into the strings <see cref="CleanupMessage"/> works on and back,
/// without losing a byte: valid UTF-8 decodes as UTF-8 (so header_checks and body_checks see
/// SMTPUTF8 text as text), and each byte of an invalid sequence (8-bit data in another charset,
/// sent without 8BITMIME) becomes the lone surrogate U+DC80..U+DCFF, which
/// <see cref="Encode"/> turns back into that byte. NUL bytes pass through unchanged, as Postfix
/// stores them. Round trip: Encode(Decode(b)) == b for every byte string.
/// </summary>
public static class ContentText
{
    private const char EscapeBase = '\uDC00';

    /// <summary>Decodes one line (without its line ending).</summary>
    public static string Decode(ReadOnlySpan<byte> line)
    {
        if (System.Text.Unicode.Utf8.IsValid(line))
            return Encoding.UTF8.GetString(line);
        var sb = new StringBuilder(line.Length);
        while (!line.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(line, out var rune, out int used);
            if (status == OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                line = line[used..];
            }
            else
            {
                sb.Append((char)(EscapeBase + line[0]));
                line = line[1..];
            }
        }
        return sb.ToString();
    }

    /// <summary>Encodes a line decoded by <see cref="Decode"/> (or written by cleanup) back to bytes.</summary>
    public static void Encode(string text, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(output);
        if (text.AsSpan().IndexOfAnyInRange('\uDC80', '\uDCFF') < 0)
        {
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
            output.Advance(Encoding.UTF8.GetBytes(text, span));
            return;
        }
        Span<byte> buf = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= '\uDC80' and <= '\uDCFF')
            {
                output.GetSpan(1)[0] = (byte)(c - EscapeBase);
                output.Advance(1);
                continue;
            }
            int n;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                n = new Rune(c, text[i + 1]).EncodeToUtf8(buf);
                i++;
            }
            else
            {
                n = Rune.TryCreate(c, out var r) ? r.EncodeToUtf8(buf) : Rune.ReplacementChar.EncodeToUtf8(buf);
            }
            buf[..n].CopyTo(output.GetSpan(n));
            output.Advance(n);
        }
    }
}
