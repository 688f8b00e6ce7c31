namespace Posthorn.Core.Queue;

/// <summary>
/// The one place every durable write of the queue goes through (after chasquid's safeio): create
/// a file exclusively, fsync it, rename it, fsync the directory that holds it. Behind an interface
/// so that tests can make any step fail and check that nothing acknowledged is lost.
/// <see cref="DurableFile"/> is the real implementation.
/// </summary>
public interface IDurableFileSystem
{
    /// <summary>Creates a new file (O_EXCL, mode 0600); throws IOException if it exists.</summary>
    FileStream CreateNew(string path);

    /// <summary>Writes buffered data and fsyncs the file (data and metadata).</summary>
    void Sync(FileStream stream);

    /// <summary>fsyncs a directory, making renames and new entries in it durable.</summary>
    void SyncDirectory(string directory);

    /// <summary>Renames a file without replacing an existing one, creating missing parent directories.</summary>
    void Rename(string from, string to);

    /// <summary>Removes a file; a missing file is not an error.</summary>
    void Delete(string path);

    /// <summary>Sets the file's mode bits (Postfix marks a complete queue file 0700).</summary>
    void SetMode(string path, UnixFileMode mode);

    /// <summary>The file's inode number (from which queue ids are made).</summary>
    ulong GetInode(string path);

    /// <summary>Rewrites bytes in place at <paramref name="offset"/> and fsyncs the file.</summary>
    void WriteInPlace(string path, long offset, ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Replaces a whole file atomically: writes a temporary file beside it, fsyncs it, renames it
    /// over <paramref name="path"/>, fsyncs the directory.
    /// </summary>
    void WriteAtomic(string path, ReadOnlySpan<byte> content);
}
