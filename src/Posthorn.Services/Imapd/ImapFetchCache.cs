using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// One message's cached FETCH data: ENVELOPE and BODYSTRUCTURE as sent (both empty in a record
/// SEARCH wrote, which knows only the header), and the top-level header (empty when too big to cache).
/// </summary>
internal sealed record ImapCachedMessage(byte[] Envelope, byte[] BodyStructure, byte[] Header)
{
    /// <summary>Whether ENVELOPE and BODYSTRUCTURE are known.</summary>
    public bool Complete => Envelope.Length > 0 && BodyStructure.Length > 0;
}

/// <summary>
/// The per-folder cache file <c>posthorn-imapcache</c> in a Maildir folder, the idea of
/// Dovecot's dovecot.index.cache: for each UID, the ENVELOPE and BODYSTRUCTURE responses
/// (RFC 3501 section 7.4.2, rendered as sent without UTF8=ACCEPT) and the top-level header
/// (for SEARCH header keys; a SEARCH writes header-only records, a later FETCH complete ones), so that a client's listing and header searches do not open and
/// parse every message again. A message's content never changes under its UID, so a record
/// stays valid while UIDVALIDITY does. Records are appended with O_APPEND in one write each
/// batch (several sessions may append at once) and carry a checksum; a reader stops at the
/// first damaged record. Memory holds only an index (UID to offset); records are read with
/// pread through a 64 KB window. When the file holds more than twice the live records (duplicates,
/// expunged messages) or a damaged tail, it is rewritten (temporary file and rename). Any I/O
/// error just turns the cache off: it is an optimisation, never the source of truth.
/// </summary>
internal sealed class ImapFetchCache : IDisposable
{
    public const string FileName = "posthorn-imapcache";
    private const uint FileMagic = 0x43494850; // "PHIC"
    private const uint RecordMagic = 0x31434552; // "REC1"
    private const int FileHeaderSize = 16;
    private const int RecordHeaderSize = 20;
    private const int WindowSize = 64 * 1024;

    /// <summary>Largest header kept in a record; bigger ones are read from the message file.</summary>
    public const int MaxCachedHeader = 8 * 1024;

    private readonly string _path;
    private readonly uint _uidValidity;
    private readonly Dictionary<uint, (long Offset, int Length, bool Complete)> _index = [];
    private readonly Dictionary<uint, bool> _added = [];
    private readonly MemoryStream _pending = new();
    private SafeFileHandle _file;
    private readonly byte[] _window = new byte[WindowSize];
    private long _windowStart = -1;
    private int _windowLength;

    private ImapFetchCache(string path, uint uidValidity, SafeFileHandle file)
    {
        _path = path;
        _uidValidity = uidValidity;
        _file = file;
    }

    /// <summary>Opens (creating or renewing it when needed) the cache of a Maildir folder; null when that fails.</summary>
    public static ImapFetchCache? Open(string folder, uint uidValidity, IReadOnlyCollection<uint> liveUids)
    {
        var path = Path.Combine(folder, FileName);
        try
        {
            var file = NativeFile.Open(path, NativeFile.ORdWr | NativeFile.OCreat | NativeFile.OAppend);
            var cache = new ImapFetchCache(path, uidValidity, file);
            var (valid, records, damaged) = cache.Scan();
            if (!valid || damaged || records > (2 * liveUids.Count) + 256)
                cache.Rewrite(valid ? liveUids : []);
            return cache;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The cached data of a message, or null.</summary>
    public ImapCachedMessage? TryGet(uint uid)
    {
        if (!_index.TryGetValue(uid, out var at))
            return null;
        try
        {
            var record = Read(at.Offset, at.Length);
            // Scan verified the checksum when it indexed the record.
            return record is null ? null : Decode(record, out _, verify: false);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Queues a message's data; <see cref="Flush"/> appends the queue (done every 64 KB and at the end of a command).</summary>
    public void Add(uint uid, ImapCachedMessage message)
    {
        // A complete record is never replaced; a header-only one (from SEARCH) is by a complete one.
        if ((_index.TryGetValue(uid, out var known) && (known.Complete || !message.Complete))
            || (_added.TryGetValue(uid, out var added) && (added || !message.Complete))
            || message.Envelope.Length + message.BodyStructure.Length > WindowSize / 2)
            return;
        var header = message.Header.Length <= MaxCachedHeader ? message.Header : [];
        if (!message.Complete && header.Length == 0)
            return;
        _added[uid] = message.Complete;
        var length = RecordHeaderSize + message.Envelope.Length + message.BodyStructure.Length + header.Length + 4;
        var record = new byte[length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, RecordMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), uid);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(8), message.Envelope.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(12), message.BodyStructure.Length);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(16), header.Length);
        var at = RecordHeaderSize;
        message.Envelope.CopyTo(record, at);
        at += message.Envelope.Length;
        message.BodyStructure.CopyTo(record, at);
        at += message.BodyStructure.Length;
        header.CopyTo(record, at);
        at += header.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(at), Checksum(record.AsSpan(0, at)));
        _pending.Write(record);
        if (_pending.Length >= WindowSize)
            Flush();
    }

    /// <summary>Appends the queued records in one write.</summary>
    public void Flush()
    {
        if (_pending.Length == 0)
            return;
        try
        {
            // O_APPEND: the offset is ignored and the records land at the end, whoever else appends.
            RandomAccess.Write(_file, _pending.GetBuffer().AsSpan(0, (int)_pending.Length), 0);
        }
        catch (IOException)
        {
        }
        _pending.SetLength(0);
    }

    public void Dispose()
    {
        Flush();
        _file.Dispose();
    }

    /// <summary>Reads the file header and indexes every record up to the first damaged one.</summary>
    private (bool Valid, int Records, bool Damaged) Scan()
    {
        var length = RandomAccess.GetLength(_file);
        var head = new byte[FileHeaderSize];
        if (length < FileHeaderSize || RandomAccess.Read(_file, head, 0) != FileHeaderSize
            || BinaryPrimitives.ReadUInt32LittleEndian(head) != FileMagic
            || BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)) != 1
            || BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(8)) != _uidValidity)
            return (false, 0, false);
        long offset = FileHeaderSize;
        var records = 0;
        while (offset < length)
        {
            var fixedPart = Read(offset, RecordHeaderSize);
            if (fixedPart is null || BinaryPrimitives.ReadUInt32LittleEndian(fixedPart) != RecordMagic)
                return (true, records, true);
            var size = RecordLength(fixedPart);
            if (size < 0 || offset + size > length || Read(offset, size) is not { } record || Decode(record, out var uid) is null)
                return (true, records, true);
            var complete = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(8)) > 0 && BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(12)) > 0;
            if (complete || !_index.TryGetValue(uid, out var earlier) || !earlier.Complete)
                _index[uid] = (offset, size, complete);
            records++;
            offset += size;
        }
        return (true, records, false);
    }

    /// <summary>Writes a new file holding the live records only, renames it over the old one and reopens it.</summary>
    private void Rewrite(IReadOnlyCollection<uint> liveUids)
    {
        var tmp = $"{_path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        var index = new Dictionary<uint, (long, int, bool)>();
        try
        {
            using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                var head = new byte[FileHeaderSize];
                BinaryPrimitives.WriteUInt32LittleEndian(head, FileMagic);
                BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(4), 1);
                BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), _uidValidity);
                output.Write(head);
                foreach (var uid in liveUids.Order())
                {
                    if (!_index.TryGetValue(uid, out var at) || Read(at.Offset, at.Length) is not { } record)
                        continue;
                    index[uid] = (output.Position, record.Length, at.Complete);
                    output.Write(record);
                }
            }
            File.Move(tmp, _path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
        _file.Dispose();
        _file = NativeFile.Open(_path, NativeFile.ORdWr | NativeFile.OCreat | NativeFile.OAppend);
        _windowStart = -1;
        _index.Clear();
        foreach (var (uid, at) in index)
            _index[uid] = at;
    }

    /// <summary>Octets at an offset, through the read window; null past the end of the file.</summary>
    private byte[]? Read(long offset, int length)
    {
        if (length > WindowSize)
        {
            var big = new byte[length];
            return RandomAccess.Read(_file, big, offset) == length ? big : null;
        }
        if (_windowStart < 0 || offset < _windowStart || offset + length > _windowStart + _windowLength)
        {
            _windowStart = offset;
            _windowLength = RandomAccess.Read(_file, _window, offset);
            if (length > _windowLength)
                return null;
        }
        return _window.AsSpan((int)(offset - _windowStart), length).ToArray();
    }

    private static int RecordLength(ReadOnlySpan<byte> fixedPart)
    {
        long env = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[8..]);
        long bs = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]);
        long hdr = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[16..]);
        if (env < 0 || bs < 0 || hdr < 0 || env + bs > WindowSize / 2 || hdr > MaxCachedHeader)
            return -1;
        return (int)(RecordHeaderSize + env + bs + hdr + 4);
    }

    private static ImapCachedMessage? Decode(byte[] record, out uint uid, bool verify = true)
    {
        uid = 0;
        if (record.Length < RecordHeaderSize + 4 || RecordLength(record) != record.Length
            || (verify && BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(record.Length - 4)) != Checksum(record.AsSpan(0, record.Length - 4))))
            return null;
        uid = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(4));
        var env = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(8));
        var bs = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(12));
        var hdr = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(16));
        var at = RecordHeaderSize;
        return new ImapCachedMessage(record.AsSpan(at, env).ToArray(), record.AsSpan(at + env, bs).ToArray(), record.AsSpan(at + env + bs, hdr).ToArray());
    }

    /// <summary>FNV-1a, enough to notice a torn or interleaved write.</summary>
    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        var h = 2166136261u;
        foreach (var b in data)
            h = (h ^ b) * 16777619u;
        return h;
    }
}
