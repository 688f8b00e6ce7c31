using System.Text;

namespace Posthorn.Core.Maps;

/// <summary>
/// Reads a <c>cdb:</c> table (<see cref="CdbFormat"/>) through a memory map. Files built by
/// Postfix's own postmap are read too; a key stored with a terminating null (postmap -N) is
/// found as Postfix's dict_cdb finds it, by trying without and then with the null.
/// </summary>
public sealed class CdbTable : ILookupTable, IDisposable
{
    private readonly MappedFile _map;
    private readonly TableOptions _options;

    private CdbTable(string source, MappedFile map, TableOptions options)
    {
        Name = "cdb:" + source;
        _map = map;
        _options = options;
    }

    public string Name { get; }

    public string Type => "cdb";

    public bool FixedKeys => true;

    public static CdbTable Open(string source, string file, TableOptions options)
    {
        try
        {
            var map = MappedFile.Open(file);
            if (map.Length < 2048)
            {
                map.Dispose();
                throw new TableOpenException($"open database {file}: not a cdb file");
            }
            return new CdbTable(source, map, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new TableOpenException($"open database {file}: {Errors.Describe(e)}");
        }
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        bool fold = _options.FoldCase && (flags & LookupFlags.NoFold) == 0;
        int max = Encoding.UTF8.GetMaxByteCount(key.Length) + 1;
        byte[]? rented = null;
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n;
            if (!fold)
                n = Encoding.UTF8.GetBytes(key, buf);
            else if (System.Text.Ascii.ToLower(key, buf, out n) != System.Buffers.OperationStatus.Done)
                n = Encoding.UTF8.GetBytes(key.ToLowerInvariant(), buf);
            buf[n] = 0;
            // Postfix's dict_cdb tries the key without, then with, a terminating null.
            return Find(buf[..n]) ?? Find(buf[..(n + 1)]);
        }
        catch (InvalidDataException e)
        {
            throw new TableLookupException($"{Name}: corrupt cdb file: {e.Message}");
        }
        finally
        {
            if (rented is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private string? Find(ReadOnlySpan<byte> key)
    {
        uint h = CdbFormat.Hash(key);
        long slotHead = (h & 255) * 8;
        uint pos = _map.U32(slotHead), slots = _map.U32(slotHead + 4);
        if (slots == 0)
            return null;
        uint s = (h >> 8) % slots;
        for (uint i = 0; i < slots; i++)
        {
            long at = pos + (long)s * 8;
            uint sh = _map.U32(at), rp = _map.U32(at + 4);
            if (rp == 0)
                return null;
            if (sh == h)
            {
                int kl = (int)_map.U32(rp), dl = (int)_map.U32(rp + 4);
                if (kl == key.Length && _map.Span(rp + 8, kl).SequenceEqual(key))
                {
                    var data = _map.Span(rp + 8 + kl, dl);
                    if (data.Length > 0 && data[^1] == 0)
                        data = data[..^1];
                    return Encoding.UTF8.GetString(data);
                }
            }
            s = (s + 1) % slots;
        }
        return null;
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence()
    {
        long end = _map.U32(0);
        for (int i = 1; i < 256; i++)
            end = Math.Min(end, _map.U32(i * 8));
        long p = 2048;
        while (p + 8 <= end)
        {
            int kl = (int)_map.U32(p), dl = (int)_map.U32(p + 4);
            var k = _map.Span(p + 8, kl);
            var d = _map.Span(p + 8 + kl, dl);
            if (k.Length > 0 && k[^1] == 0)
                k = k[..^1];
            if (d.Length > 0 && d[^1] == 0)
                d = d[..^1];
            yield return new(Encoding.UTF8.GetString(k), Encoding.UTF8.GetString(d));
            p += 8 + kl + dl;
        }
    }

    public void Dispose() => _map.Dispose();
}
