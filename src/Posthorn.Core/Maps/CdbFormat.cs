using System.Buffers.Binary;
using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// D. J. Bernstein's constant database format (cdb), as Postfix's <c>cdb:</c> type writes it to
/// <c>name.cdb</c>: a 2048-byte header of 256 (position, length) pairs, records
/// <c>u32 klen, u32 dlen, key, data</c>, then 256 hash tables of (hash, position) slots. Keys
/// are stored without a terminating null, as Postfix's postmap does by default.
/// </summary>
internal static class CdbFormat
{
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        uint h = 5381;
        foreach (var b in key)
            h = ((h << 5) + h) ^ b;
        return h;
    }

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, string>> entries)
    {
        using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        fs.Write(new byte[2048]);
        var utf8 = new UTF8Encoding(false, false);
        var hashes = new List<(uint Hash, uint Pos)>[256];
        for (int i = 0; i < 256; i++)
            hashes[i] = [];
        long pos = 2048;
        byte[] scratch = new byte[4096];
        foreach (var (key, value) in entries)
        {
            int need = 8 + utf8.GetMaxByteCount(key.Length + value.Length);
            if (scratch.Length < need)
                scratch = new byte[Math.Max(need, scratch.Length * 2)];
            int kl = utf8.GetBytes(key, scratch.AsSpan(8));
            int vl = utf8.GetBytes(value, scratch.AsSpan(8 + kl));
            uint h = Hash(scratch.AsSpan(8, kl));
            if (pos + 8 + kl + vl > uint.MaxValue)
                throw new IOException("table too large for cdb (4 GB)");
            hashes[h & 255].Add((h, (uint)pos));
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)kl);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch.AsSpan(4), (uint)vl);
            fs.Write(scratch, 0, 8 + kl + vl);
            pos += 8 + kl + vl;
        }
        var header = new byte[2048];
        for (int i = 0; i < 256; i++)
        {
            var list = hashes[i];
            int slots = list.Count * 2;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(i * 8), (uint)pos);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(i * 8 + 4), (uint)slots);
            if (slots == 0)
                continue;
            var table = new (uint Hash, uint Pos)[slots];
            foreach (var (h, p) in list)
            {
                int s = (int)((h >> 8) % (uint)slots);
                while (table[s].Pos != 0)
                    s = (s + 1) % slots;
                table[s] = (h, p);
            }
            var bytes = new byte[slots * 8];
            for (int s = 0; s < slots; s++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(s * 8), table[s].Hash);
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(s * 8 + 4), table[s].Pos);
            }
            fs.Write(bytes);
            pos += bytes.Length;
        }
        fs.Position = 0;
        fs.Write(header);
        fs.Flush(true);
    }
}
