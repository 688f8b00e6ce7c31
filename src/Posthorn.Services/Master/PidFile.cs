using System.Globalization;
using System.Text;

namespace Posthorn.Services.Master;

/// <summary>
/// The master's lock file, <c>$queue_directory/pid/master.pid</c>, as Postfix's master(8)
/// keeps it: the process id right-aligned in a 32-column field and a newline, held under an
/// exclusive lock for the master's lifetime (an open-file-description lock, fcntl(2)
/// F_OFD_SETLK, where Postfix uses flock(2): the same per-open-file semantics, but .NET code
/// that reads the file is not refused). The lock, not the file, says whether the
/// mail system runs; a file nobody has locked is stale.
/// A second master cannot take the lock, so a second start refuses. <c>postfix stop</c>
/// removes the file once the master has gone (the master itself may no longer have the
/// right to, having given up root).
/// </summary>
public sealed class PidFile : IDisposable
{
    /// <summary>Width of the pid field: Postfix writes "%*lu\n" with sizeof(unsigned long) * 4.</summary>
    public const int FieldWidth = 32;

    private int _fd;

    private PidFile(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    public string Path { get; }

    /// <summary>The pid file of a queue directory (process_id_directory is "pid").</summary>
    public static string PathFor(string queueDirectory, string processIdDirectory = "pid") =>
        System.IO.Path.Combine(queueDirectory, processIdDirectory, "master.pid");

    /// <summary>The file's content for a process id.</summary>
    public static string Format(int pid) =>
        pid.ToString(CultureInfo.InvariantCulture).PadLeft(FieldWidth) + "\n";

    /// <summary>The process id in a pid file's text, or null when it holds none.</summary>
    public static int? Parse(string text)
    {
        var first = text.Split('\n', 2)[0].Trim();
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    /// <summary>
    /// Takes the lock and writes this process's id; null when another process holds the lock
    /// (the mail system is already running). Other failures throw <see cref="IOException"/>
    /// with Postfix's wording.
    /// </summary>
    public static unsafe PidFile? TryAcquire(string path, int pid)
    {
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, Convert.ToInt32("644", 8));
        if (fd < 0)
            throw new IOException($"open lock file {path}: cannot open file: {Libc.LastError()}");
        if (!Libc.TryLock(fd, Libc.F_WRLCK))
        {
            int errno = Libc.LastErrno();
            var why = Libc.LastError();
            Libc.close(fd);
            if (errno is Libc.EAGAIN or Libc.EACCES)
                return null;
            throw new IOException($"open lock file {path}: unable to set exclusive lock: {why}");
        }
        var bytes = Encoding.ASCII.GetBytes(Format(pid));
        bool ok = Libc.ftruncate(fd, 0) == 0;
        fixed (byte* b = bytes)
            ok = ok && Libc.write(fd, b, bytes.Length) == bytes.Length;
        if (!ok || Libc.fsync(fd) != 0)
        {
            var why = Libc.LastError();
            Libc.close(fd);
            throw new IOException($"cannot update lock file {path}: {why}");
        }
        return new PidFile(path, fd);
    }

    /// <summary>
    /// Whether a master holds the lock (master -t), and the pid it wrote. A missing file or
    /// directory means not running.
    /// </summary>
    public static unsafe (bool Running, int? Pid) Probe(string path)
    {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            return (false, null);
        try
        {
            bool running = Libc.IsLocked(fd, Libc.F_RDLCK);
            var buffer = new byte[256];
            nint n;
            fixed (byte* b = buffer)
                n = Libc.read(fd, b, buffer.Length);
            int? pid = n > 0 ? Parse(Encoding.ASCII.GetString(buffer, 0, (int)n)) : null;
            return (running, pid);
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>
    /// Removes a pid file that no master holds (after postfix stop); false when a master
    /// holds it or it cannot be removed. The lock is taken first, so a master starting at
    /// the same moment either loses to this or creates a new file.
    /// </summary>
    public static bool RemoveIfStale(string path)
    {
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            return Libc.LastErrno() == Libc.ENOENT;
        try
        {
            if (!Libc.TryLock(fd, Libc.F_WRLCK))
                return false;
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>Releases the lock; the file stays until <see cref="RemoveIfStale"/>, as Postfix leaves it.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Libc.close(fd);
    }
}
