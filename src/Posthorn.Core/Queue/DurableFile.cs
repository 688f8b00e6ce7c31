namespace Posthorn.Core.Queue;

/// <summary>
/// The real <see cref="IDurableFileSystem"/> over POSIX: files are created 0600 with O_EXCL,
/// synced with fsync(2), renamed without replacing, and their directories fsynced so that a
/// rename survives a crash. Directories it creates are 0700, as Postfix's queue directories are.
/// </summary>
public sealed class DurableFile : IDurableFileSystem
{
    /// <summary>The shared instance.</summary>
    public static DurableFile Instance { get; } = new();

    public FileStream CreateNew(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    public void Sync(FileStream stream) => stream.Flush(flushToDisk: true);

    public void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsWindows())
            NativeFile.SyncDirectory(directory);
    }

    public void Rename(string from, string to)
    {
        var dir = Path.GetDirectoryName(to);
        if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            CreateDirectory(dir);
        File.Move(from, to, overwrite: false);
    }

    public void Delete(string path) => File.Delete(path);

    public void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, mode);
    }

    public ulong GetInode(string path) => NativeFile.Inode(path);

    public void WriteInPlace(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        stream.Position = offset;
        stream.Write(bytes);
        Sync(stream);
    }

    public void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var stream = CreateNew(temp))
            {
                stream.Write(content);
                Sync(stream);
            }
            File.Move(temp, path, overwrite: true);
            SyncDirectory(dir);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Creates a directory (and its parents) with mode 0700.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
