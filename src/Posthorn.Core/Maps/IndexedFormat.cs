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

    /// <summary>FNV-1a, 32 bits, never 0 (0 marks nothing; a stored hash of 0 becomes 1).</summary>
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
        // Records first, in memory, then buckets.
        using var records = new MemoryStream(Math.Max(1024, count * 48));
        var table = new ulong[buckets];
        long recordBase = HeaderSize + (long)buckets * 8;
        Span<byte> head = stackalloc byte[8];
        byte[] scratch = new byte[256];
        foreach (var (key, value) in entries)
        {
            int kl = utf8.GetByteCount(key), vl = utf8.GetByteCount(value);
            int need = kl + vl;
            if (scratch.Length < need)
                scratch = new byte[Math.Max(need, scratch.Length * 2)];
            utf8.GetBytes(key, scratch);
            utf8.GetBytes(value, scratch.AsSpan(kl));
            long offset = recordBase + records.Position;
            if (offset / 4 > uint.MaxValue)
                throw new IOException("table too large for the indexed format (16 GB)");
            uint h = Hash(scratch.AsSpan(0, kl));
            uint slot = h & (uint)(buckets - 1);
            while (table[slot] != 0)
                slot = (slot + 1) & (uint)(buckets - 1);
            table[slot] = ((ulong)(offset / 4) << 32) | h;
            BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)kl);
            BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)vl);
            records.Write(head);
            records.Write(scratch, 0, need);
            int pad = (int)((4 - (records.Position & 3)) & 3);
            for (int i = 0; i < pad; i++)
                records.WriteByte(0);
        }
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)count);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)(buckets - 1));
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], (ulong)(recordBase + records.Length));
        fs.Write(header);
        var bucketBytes = new byte[buckets * 8];
        for (int i = 0; i < buckets; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bucketBytes.AsSpan(i * 8), (uint)table[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(bucketBytes.AsSpan(i * 8 + 4), (uint)(table[i] >> 32));
        }
        fs.Write(bucketBytes);
        records.Position = 0;
        records.CopyTo(fs);
        fs.Flush(true);
    }
}
