using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Posthorn.Core.Queue;

/// <summary>
/// The maildrop queue file as sendmail(1) writes it and pickup(8) reads it (docs/sendmail.md):
/// an ordinary queue file (docs/queue-format.md) in <c>$queue_directory/maildrop</c>, which is
/// world-writable and sticky (mode 1733) in place of Postfix's setgid postdrop. The envelope
/// holds the sender, the command-line recipients (with DSN NOTIFY), DSN ENVID and RET, and the
/// attributes <c>rewrite_context</c> (local, or remote for sendmail -G), <c>encoding</c>
/// (sendmail -B) and the Posthorn attribute <c>full_name</c> (sendmail -F); recipients taken
/// from the headers by sendmail -t are in the extracted section. The file is 0744 when
/// complete (readable by pickup, which runs as another user); the submitting user is the file's
/// owner, which only the kernel sets, so pickup trusts the owner and nothing else in the file.
/// </summary>
public static partial class MaildropFile
{
    public const string FullNameAttribute = "full_name";

    /// <summary>The mode of a complete maildrop file: 0744.</summary>
    public const UnixFileMode ReadyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The maildrop directory mode: world-writable and sticky (1733).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite
        | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static unsafe partial int FStat(int fd, byte* buffer);

    /// <summary>The real user id of this process (who runs sendmail).</summary>
    public static long RealUid => OperatingSystem.IsWindows() ? 0 : GetUid();

    /// <summary>The owner uid of an open file (fstat), or -1 when it cannot be told.</summary>
    public static unsafe long OwnerOf(SafeFileHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (OperatingSystem.IsWindows())
            return 0;
        // struct stat: st_uid follows st_dev, st_ino and (on x86_64) an 8-byte st_nlink, or
        // (on aarch64 and other generic layouts) a 4-byte st_mode and 4-byte st_nlink.
        int uidOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 28 : 24;
        byte* buffer = stackalloc byte[512];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
                return -1;
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
        return *(uint*)(buffer + uidOffset);
    }

    /// <summary>
    /// The file system sendmail writes maildrop files through: as <see cref="DurableFile"/>,
    /// except that fsyncing the maildrop directory is skipped when the user may not open it
    /// (the directory is 1733: writable, not readable, as Postfix's postdrop cannot either).
    /// The file itself is always fsynced before sendmail exits 0.
    /// </summary>
    public static IDurableFileSystem SubmissionFileSystem { get; } = new Submission();

    private sealed class Submission : IDurableFileSystem
    {
        private static readonly DurableFile Real = DurableFile.Instance;

        public FileStream CreateNew(string path) => Real.CreateNew(path);

        public void Sync(FileStream stream) => Real.Sync(stream);

        public void SyncDirectory(string directory)
        {
            try
            {
                Real.SyncDirectory(directory);
            }
            catch (IOException)
            {
                // Not readable by this user: the entry is made durable by the file system's
                // own ordering, as for Postfix's postdrop.
            }
        }

        public void Rename(string from, string to) => Real.Rename(from, to);

        public void Delete(string path) => Real.Delete(path);

        public void SetMode(string path, UnixFileMode mode) => Real.SetMode(path, mode);

        public ulong GetInode(string path) => Real.GetInode(path);

        public void WriteInPlace(string path, long offset, ReadOnlySpan<byte> bytes) => Real.WriteInPlace(path, offset, bytes);

        public void WriteAtomic(string path, ReadOnlySpan<byte> content) => Real.WriteAtomic(path, content);
    }
}
