using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

/// <summary>The real file system, except that the named operation fails.</summary>
internal sealed class FaultyFileSystem : IDurableFileSystem
{
    private readonly DurableFile _real = DurableFile.Instance;

    public string? FailOn { get; set; }

    public List<string> Calls { get; } = [];

    /// <summary>When set, files created fail to write past this many bytes ("disk full").</summary>
    public long? DiskFullAfter { get; set; }

    private void Step(string op)
    {
        Calls.Add(op);
        if (op == FailOn)
            throw new IOException($"simulated {op} failure");
    }

    public FileStream CreateNew(string path)
    {
        Step("CreateNew");
        if (DiskFullAfter is not long limit)
            return _real.CreateNew(path);
        return new DiskFullStream(path, limit);
    }
    public void Sync(FileStream stream) { Step("Sync"); _real.Sync(stream); }
    public void SyncDirectory(string directory) { Step("SyncDirectory"); _real.SyncDirectory(directory); }
    public void Rename(string from, string to) { Step("Rename"); _real.Rename(from, to); }
    public void Delete(string path) { Step("Delete"); _real.Delete(path); }
    public void SetMode(string path, UnixFileMode mode) { Step("SetMode"); _real.SetMode(path, mode); }
    public ulong GetInode(string path) { Step("GetInode"); return _real.GetInode(path); }
    public void WriteInPlace(string path, long offset, ReadOnlySpan<byte> bytes) { Step("WriteInPlace"); _real.WriteInPlace(path, offset, bytes); }
    public void WriteAtomic(string path, ReadOnlySpan<byte> content) { Step("WriteAtomic"); _real.WriteAtomic(path, content); }
}

/// <summary>A file stream that throws "No space left on device" once it holds a given size.</summary>
internal sealed class DiskFullStream : FileStream
{
    private readonly long _limit;

    public DiskFullStream(string path, long limit)
        : base(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1) => _limit = limit;

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (Position + count > _limit)
            throw new IOException("No space left on device");
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);
}
