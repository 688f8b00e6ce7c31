using System.IO.MemoryMappedFiles;

namespace Posthorn.Core.Maps;

/// <summary>
/// A read-only memory map of a whole file, for the indexed table formats. The mapping lives
/// until the owner is collected or disposed, so a table swapped out by a rebuild is released
/// only after the last lookup that holds it has returned. Renaming a new file over the old
/// one leaves this mapping intact (it holds the old inode).
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    private MappedFile(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        Length = length;
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    ~MappedFile() => Release();

    public long Length { get; }

    public byte* Base => _base;

    public ReadOnlySpan<byte> Span(long offset, int length) =>
        offset < 0 || length < 0 || offset + length > Length ? throw new InvalidDataException("offset past end of file") : new ReadOnlySpan<byte>(_base + offset, length);

    public uint U32(long offset) =>
        offset + 4 > Length ? throw new InvalidDataException("offset past end of file") : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(_base + offset, 4));

    /// <summary>Maps the file; throws <see cref="IOException"/> and friends as File.Open does.</summary>
    public static MappedFile Open(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = fs.Length;
        if (length == 0)
            throw new InvalidDataException("empty file");
        var mmf = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = mmf.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        return new MappedFile(mmf, view, length);
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_base == null)
            return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
