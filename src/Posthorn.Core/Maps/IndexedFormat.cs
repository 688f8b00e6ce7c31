using System.Buffers.Binary;
using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Posthorn's one on-disk format behind <c>hash:</c>, <c>btree:</c> and <c>lmdb:</c> (files
/// <c>name.db</c> and <c>name.lmdb</c>, the names Postfix uses): a read-only, memory-mapped,
/// open-addressing hash table built by postmap and replaced whole by rename. Layout (all
/// little-endian; docs/tables.md): a 32-byte header <c>"PHT1"</c>, version, record count,
/// bucket mask, records end; then (mask+1) buckets of (u32 hash, u32 record offset / 4, 0 =
/// empty) at load factor at most 1/2; then records <c>u32 klen, u32 vlen, key, value</c>
/// padded to 4 bytes, in insertion order. Keys and values are UTF-8 without terminators.
/// </summary>
internal static class IndexedFormat
{
    public const int HeaderSize = 32;
    public static ReadOnlySpan<byte> Magic => "PHT1"u8;

    /// <summary>FNV-1a, 32 bits, never 0 (0 marks an empty bucket).</summary>
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        uint h = 2166136261;
        foreach (var b in key)
            h = (h ^ b) * 16777619;
        return h == 0 ? 1 : h;
    }

    /// <summary>Writes entries (unique keys, in order) to a new file at <paramref name="path"/> (the caller renames it into place).</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        int count = entries.Count;
        int buckets = 16;
        while (buckets < count * 2)
            buckets <<= 1;
        var utf8 = new UTF8Encoding(false, false);
        var table = new ulong[buckets];
        long recordBase = HeaderSize + (long)buckets * 8;
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        // Records are streamed after the (not yet written) header and buckets.
        fs.Position = recordBase;
        long offset = recordBase;
        byte[] scratch = new byte[4096];
        foreach (var (key, value) in entries)
        {
            int need = 8 + utf8.GetMaxByteCount(key.Length + value.Length) + 3;
            if (scratch.Length < need)
                scratch = new byte[Math.Max(need, scratch.Length * 2)];
            int kl = utf8.GetBytes(key, scratch.AsSpan(8));
            int vl = utf8.GetBytes(value, scratch.AsSpan(8 + kl));
            if (offset / 4 > uint.MaxValue)
                throw new IOException("table too large for the indexed format (16 GB)");
            uint h = Hash(scratch.AsSpan(8, kl));
            uint slot = h & (uint)(buckets - 1);
            while (table[slot] != 0)
                slot = (slot + 1) & (uint)(buckets - 1);
            table[slot] = ((ulong)(offset / 4) << 32) | h;
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)kl);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch.AsSpan(4), (uint)vl);
            int len = (8 + kl + vl + 3) & ~3;
            scratch.AsSpan(8 + kl + vl, len - 8 - kl - vl).Clear();
            fs.Write(scratch, 0, len);
            offset += len;
        }
        fs.Position = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)(buckets - 1));
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)offset);
        fs.Write(header);
        var chunk = new byte[8 * 8192];
        for (int i = 0; i < buckets; i += 8192)
        {
            int n = Math.Min(8192, buckets - i);
            for (int j = 0; j < n; j++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(j * 8), (uint)table[i + j]);
                BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(j * 8 + 4), (uint)(table[i + j] >> 32));
            }
            fs.Write(chunk, 0, n * 8);
        }
        fs.Flush(true);
    }
}
