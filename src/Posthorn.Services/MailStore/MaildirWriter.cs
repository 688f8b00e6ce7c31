namespace Posthorn.Services.MailStore;

/// <summary>
/// Delivery into a Maildir as the Maildir specification and Postfix's local(8)/virtual(8)
/// describe it: write <c>tmp/UNIQUE</c>, fsync, hard-link it into <c>new/</c> (never
/// overwriting; link(2) fails if the name exists), remove the tmp name, fsync new/. The
/// file's modification time is set to the arrival time (IMAP's INTERNALDATE). On any
/// failure the tmp file is removed and nothing appears in new/. Creates tmp/, new/ and cur/
/// when missing (mode 0700), as Postfix does. Runs as the recipient (the caller's uid).
/// </summary>
public static class MaildirWriter
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Makes <c>tmp</c>, <c>new</c> and <c>cur</c> under <paramref name="maildir"/>.</summary>
    public static void EnsureMaildir(string maildir)
    {
        foreach (var sub in new[] { "tmp", "new", "cur" })
            MakeDirectory(Path.Combine(maildir, sub));
    }

    /// <summary>mkdir -p with mode 0700 for what it creates.</summary>
    internal static void MakeDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Delivers a message into <c>new/</c>; returns the new file's full path.</summary>
    public static string Deliver(string maildir, Stream content, DateTimeOffset arrival, string? host = null) =>
        Write(maildir, content, arrival, host, flags: null);

    /// <summary>
    /// Stores a message directly in <c>cur/</c> with <paramref name="flags"/> (IMAP APPEND and
    /// COPY); returns the new file's full path.
    /// </summary>
    public static string Store(string maildir, Stream content, DateTimeOffset internalDate, MessageFlags flags, string? host = null) =>
        Write(maildir, content, internalDate, host, flags);

    private static string Write(string maildir, Stream content, DateTimeOffset arrival, string? host, MessageFlags? flags)
    {
        EnsureMaildir(maildir);
        host ??= MaildirFileName.HostName();
        var tmpName = MaildirFileName.NewBaseName(arrival, host, 0, 0);
        var tmpPath = Path.Combine(maildir, "tmp", tmpName);
        try
        {
            long size = 0, vsize = 0;
            using (var fs = NativeFile.Stream(NativeFile.Open(tmpPath, NativeFile.OWrOnly | NativeFile.OCreat | NativeFile.OExcl), FileAccess.Write))
            {
                var buffer = new byte[BufferSize];
                byte previous = 0;
                int n;
                while ((n = content.Read(buffer)) > 0)
                {
                    fs.Write(buffer, 0, n);
                    size += n;
                    vsize += MaildirFileName.VirtualSize(buffer.AsSpan(0, n), ref previous);
                }
                fs.Flush(flushToDisk: true);
            }
            File.SetLastWriteTimeUtc(tmpPath, arrival.UtcDateTime);
            var baseName = MaildirFileName.NewBaseName(arrival, host, size, vsize);
            var (dir, name) = flags is MessageFlags f ? ("cur", MaildirFileName.WithFlags(baseName, f)) : ("new", baseName);
            var finalPath = Path.Combine(maildir, dir, name);
            // File.Move without overwrite is link(2) + unlink(2) on Linux: an existing name is never replaced.
            File.Move(tmpPath, finalPath, overwrite: false);
            NativeFile.FsyncDirectory(Path.Combine(maildir, dir));
            return finalPath;
        }
        catch
        {
            try
            {
                File.Delete(tmpPath);
            }
            catch (IOException)
            {
            }
            throw;
        }
    }
}
