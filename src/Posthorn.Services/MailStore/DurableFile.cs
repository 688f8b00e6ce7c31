namespace Posthorn.Services.MailStore;

/// <summary>
/// Crash-safe whole-file replacement for the store's small metadata files (uid lists,
/// subscriptions): write a temporary file beside the target, fsync it, rename it over the
/// target, fsync the directory.
/// </summary>
internal static class DurableFile
{
    public static void Replace(string path, string contents)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + "." + Environment.CurrentManagedThreadId + ".tmp");
        try
        {
            using (var fs = NativeFile.Stream(NativeFile.Open(tmp, NativeFile.OWrOnly | NativeFile.OCreat | NativeFile.OExcl), FileAccess.Write))
            {
                fs.Write(MaildirFileName.Utf8(contents));
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            NativeFile.FsyncDirectory(dir);
        }
        finally
        {
            if (File.Exists(tmp))
                File.Delete(tmp);
        }
    }
}
