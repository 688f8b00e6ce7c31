namespace Posthorn.Services.Master;

/// <summary>
/// What the postfix command does to processes: signal the master (kill(2)), and turn the
/// freshly started master child into a daemon (setsid, then stdin, stdout and stderr to
/// /dev/null once it has reported that it is ready), as Postfix's master -w does.
/// </summary>
public static class ProcessControl
{
    public const int SIGHUP = 1;
    public const int SIGQUIT = 3;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Sends a signal; null when sent, else the reason ("Operation not permitted").</summary>
    public static string? Signal(int pid, int signal) => Libc.kill(pid, signal) == 0 ? null : Libc.LastError();

    /// <summary>True while a process with this id exists.</summary>
    public static bool Exists(int pid) => Libc.kill(pid, 0) == 0 || Libc.LastErrno() != Libc.ESRCH;

    /// <summary>Starts a new session without a controlling terminal (setsid(2)).</summary>
    public static void NewSession()
    {
        if (Libc.setsid() < 0)
            throw new InvalidOperationException($"setsid: {Libc.LastError()}");
    }

    /// <summary>Points stdin, stdout and stderr at /dev/null.</summary>
    public static void DetachStdio()
    {
        int fd = Libc.open("/dev/null", Libc.O_RDWR, 0);
        if (fd < 0)
            return;
        for (int i = 0; i <= 2; i++)
            Libc.dup2(fd, i);
        if (fd > 2)
            Libc.close(fd);
    }
}
