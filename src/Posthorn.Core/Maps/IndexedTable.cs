using System.Buffers;
using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Reads a <c>hash:</c>, <c>btree:</c> or <c>lmdb:</c> table from its indexed file
/// (<see cref="IndexedFormat"/>) through a memory map. Lookups fold the key (unless told not
/// to), hash its UTF-8 bytes and probe the buckets; nothing is allocated but the result.
/// </summary>
public sealed class IndexedTable : ILookupTable, IDisposable
{
    private readonly MappedFile _map;
    private readonly TableOptions _options;
    private readonly uint _mask;
    private readonly long _recordsEnd;

    private IndexedTable(string type, string source, string file, MappedFile map, TableOptions options)
    {
        Type = type;
        Name = type + ":" + source;
        FilePath = file;
        _map = map;
        _options = options;
        _mask = map.U32(12);
        _recordsEnd = (long)(map.U32(16) | ((ulong)map.U32(20) << 32));
        Count = (int)map.U32(8);
        if (IndexedFormat.HeaderSize + ((long)_mask + 1) * 8 > map.Length || _recordsEnd > map.Length)
            throw new InvalidDataException("truncated");
    }

    public string Name { get; }

    public string Type { get; }

    public bool FixedKeys => true;

    /// <summary>The indexed file (source name plus .db or .lmdb).</summary>
    public string FilePath { get; }

    public int Count { get; }

    /// <summary>Opens <paramref name="file"/>; a missing file is Postfix's "open database FILE: No such file or directory".</summary>
    public static IndexedTable Open(string type, string source, string file, TableOptions options)
    {
        MappedFile map;
        try
        {
            map = MappedFile.Open(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableOpenException($"open database {file}: {Errors.Describe(e)}");
        }
        try
        {
            if (map.Length < IndexedFormat.HeaderSize || !map.Span(0, 4).SequenceEqual(IndexedFormat.Magic))
                throw new InvalidDataException("bad magic");
            return new IndexedTable(type, source, file, map, options);
        }
        catch (InvalidDataException)
        {
            map.Dispose();
            throw new TableOpenException($"open database {file}: not a Posthorn indexed table (rebuild it with postmap)");
        }
    }

    public unsafe string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        bool fold = _options.FoldCase && (flags & LookupFlags.NoFold) == 0;
        int max = Encoding.UTF8.GetMaxByteCount(key.Length);
        byte[]? rented = null;
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            // ASCII keys are folded while they are encoded; others go through ToLowerInvariant.
            int n;
            if (!fold)
                n = Encoding.UTF8.GetBytes(key, buf);
            else if (System.Text.Ascii.ToLower(key, buf, out n) != System.Buffers.OperationStatus.Done)
                n = Encoding.UTF8.GetBytes(key.ToLowerInvariant(), buf);
            var bytes = buf[..n];
            uint h = IndexedFormat.Hash(bytes);
            uint slot = h & _mask;
            byte* b = _map.Base;
            long bucketBase = IndexedFormat.HeaderSize;
            for (uint probes = 0; probes <= _mask; probes++)
            {
                uint* bucket = (uint*)(b + bucketBase + (long)slot * 8);
                uint bh = bucket[0];
                if (bh == 0)
                    return null;
                if (bh == h)
                {
                    long off = (long)bucket[1] * 4;
                    if (off + 8 > _recordsEnd)
                        return null;
                    uint kl = *(uint*)(b + off), vl = *(uint*)(b + off + 4);
                    if (off + 8 + kl + vl > _recordsEnd)
                        return null;
                    if (kl == n && new ReadOnlySpan<byte>(b + off + 8, (int)kl).SequenceEqual(bytes))
                        return Encoding.UTF8.GetString(b + off + 8 + kl, (int)vl);
                }
                slot = (slot + 1) & _mask;
            }
            return null;
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence()
    {
        long off = IndexedFormat.HeaderSize + ((long)_mask + 1) * 8;
        while (off + 8 <= _recordsEnd)
        {
            int kl = (int)_map.U32(off), vl = (int)_map.U32(off + 4);
            var key = Encoding.UTF8.GetString(_map.Span(off + 8, kl));
            var value = Encoding.UTF8.GetString(_map.Span(off + 8 + kl, vl));
            yield return new(key, value);
            off += (8 + kl + vl + 3) & ~3L;
        }
    }

    public void Dispose() => _map.Dispose();
}
