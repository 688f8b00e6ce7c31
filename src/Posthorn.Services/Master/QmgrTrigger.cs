using System.Text;
using Posthorn.Core.Logging;

namespace Posthorn.Services.Master;

/// <summary>
/// The control channel from commands to the running master, modelled on Postfix's
/// <c>public/qmgr</c> FIFO (qmgr(8), postqueue(1)): a command writes one-byte requests such as
/// <see cref="FlushDead"/> and <see cref="ScanAll"/> ("postfix flush", "postqueue -f"); the
/// master reads them and passes them to the queue manager registered in the
/// <see cref="ServiceDirectory"/> as "qmgr", or logs that none runs yet. The FIFO is mode 0622
/// in the public directory (0710, group setgid_group), as Postfix's master creates it.
/// </summary>
public static class QmgrTrigger
{
    /// <summary>QMGR_REQ_FLUSH_DEAD: forget dead sites, so deferred mail is retried now.</summary>
    public const char FlushDead = 'F';

    /// <summary>QMGR_REQ_SCAN_ALL: scan the incoming and deferred queues.</summary>
    public const char ScanAll = 'A';

    /// <summary>QMGR_REQ_SCAN_INCOMING.</summary>
    public const char ScanIncoming = 'I';

    /// <summary>QMGR_REQ_WAKEUP.</summary>
    public const char Wakeup = 'W';

    public static string PathFor(string queueDirectory) => Path.Combine(queueDirectory, "public", "qmgr");

    /// <summary>
    /// Sends requests to the master of a queue directory; false when no master listens
    /// (Postfix: "mail system is down").
    /// </summary>
    public static unsafe bool Send(string queueDirectory, string requests)
    {
        int fd = Libc.open(PathFor(queueDirectory), Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            return false;
        try
        {
            var bytes = Encoding.ASCII.GetBytes(requests);
            fixed (byte* b = bytes)
                return Libc.write(fd, b, bytes.Length) == bytes.Length;
        }
        finally
        {
            Libc.close(fd);
        }
    }
}

/// <summary>The master's end of <see cref="QmgrTrigger"/>: a reader thread on the FIFO.</summary>
internal sealed class QmgrTriggerReceiver : IDisposable
{
    private const char Stop = '\0';
    private readonly string _path;
    private readonly int _fd;
    private readonly Thread _thread;
    private readonly MailLog _log;
    private readonly ServiceDirectory _directory;

    private QmgrTriggerReceiver(string path, int fd, MailLog log, ServiceDirectory directory)
    {
        _path = path;
        _fd = fd;
        _log = log;
        _directory = directory;
        _thread = new Thread(Run) { IsBackground = true, Name = "public/qmgr" };
        _thread.Start();
    }

    /// <summary>Creates the FIFO (replacing a stale one, owned by mail_owner when root) and starts reading it.</summary>
    public static QmgrTriggerReceiver Open(string queueDirectory, UnixAccount? owner, MailLog log, ServiceDirectory directory)
    {
        var path = QmgrTrigger.PathFor(queueDirectory);
        File.Delete(path);
        if (Libc.mkfifo(path, Convert.ToInt32("622", 8)) != 0)
            throw new IOException($"mkfifo {path}: {Libc.LastError()}");
        if (Libc.chmod(path, Convert.ToInt32("622", 8)) != 0)
            throw new IOException($"chmod {path}: {Libc.LastError()}");
        if (owner is not null && Libc.chown(path, (int)owner.Uid, -1) != 0)
            throw new IOException($"chown {path}: {Libc.LastError()}");
        // Opened read-write, the FIFO never reports end-of-file when a writer goes away.
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            throw new IOException($"open {path}: {Libc.LastError()}");
        return new QmgrTriggerReceiver(path, fd, log, directory);
    }

    private unsafe void Run()
    {
        var buffer = new byte[256];
        while (true)
        {
            nint n;
            fixed (byte* b = buffer)
                n = Libc.read(_fd, b, buffer.Length);
            if (n < 0 && Libc.LastErrno() == Libc.EINTR)
                continue;
            if (n <= 0)
                return;
            var requests = Encoding.ASCII.GetString(buffer, 0, (int)n);
            if (requests.Contains(Stop, StringComparison.Ordinal))
                return;
            if (_directory.TryFind<IQmgrTrigger>("qmgr", out var qmgr))
            {
                foreach (var r in requests)
                    qmgr.Trigger(r);
            }
            else
            {
                _log.Info("master", $"trigger request \"{requests}\" on public/qmgr: no queue manager runs in this build; ignored");
            }
        }
    }

    public void Dispose()
    {
        QmgrTrigger.Send(Path.GetDirectoryName(Path.GetDirectoryName(_path))!, Stop.ToString());
        _thread.Join(TimeSpan.FromSeconds(2));
        Libc.close(_fd);
    }
}
