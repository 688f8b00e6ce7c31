using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

/// <summary>The real file system, except that the named operation fails.</summary>
internal sealed class FaultyFileSystem : IDurableFileSystem
{
    private readonly DurableFile _real = DurableFile.Instance;

    public string? FailOn { get; set; }

    public List<string> Calls { get; } = [];

    private void Step(string op)
    {
        Calls.Add(op);
        if (op == FailOn)
            throw new IOException($"simulated {op} failure");
    }

    public FileStream CreateNew(string path) { Step("CreateNew"); return _real.CreateNew(path); }
    public void Sync(FileStream stream) { Step("Sync"); _real.Sync(stream); }
    public void SyncDirectory(string directory) { Step("SyncDirectory"); _real.SyncDirectory(directory); }
    public void Rename(string from, string to) { Step("Rename"); _real.Rename(from, to); }
    public void Delete(string path) { Step("Delete"); _real.Delete(path); }
    public void SetMode(string path, UnixFileMode mode) { Step("SetMode"); _real.SetMode(path, mode); }
    public ulong GetInode(string path) { Step("GetInode"); return _real.GetInode(path); }
    public void WriteInPlace(string path, long offset, ReadOnlySpan<byte> bytes) { Step("WriteInPlace"); _real.WriteInPlace(path, offset, bytes); }
    public void WriteAtomic(string path, ReadOnlySpan<byte> content) { Step("WriteAtomic"); _real.WriteAtomic(path, content); }
}
