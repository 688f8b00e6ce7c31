using Microsoft.Win32.SafeHandles;
using Posthorn.Core.Config;

namespace Posthorn.Services.MailStore;

/// <summary>The locking methods of <c>mailbox_delivery_lock</c> (postconf(5)).</summary>
public enum LockMethod
{
    Fcntl,
    Flock,
    Dotlock,
}

/// <summary>
/// How mailbox files are locked, from main.cf: <c>mailbox_delivery_lock</c> (default on
/// Linux "fcntl, dotlock"), <c>deliver_lock_attempts</c> (20), <c>deliver_lock_delay</c> (1s)
/// and <c>stale_lock_time</c> (500s), as Postfix's local(8) and virtual(8) use them.
/// </summary>
public sealed record MailboxLockOptions(IReadOnlyList<LockMethod> Methods, int Attempts, TimeSpan Delay, TimeSpan StaleLockTime)
{
    /// <summary>Postfix's Linux defaults.</summary>
    public static MailboxLockOptions Default { get; } = new([LockMethod.Fcntl, LockMethod.Dotlock], 20, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(500));

    /// <summary>Reads the options from main.cf; an unknown method is a <see cref="ConfigException"/>.</summary>
    public static MailboxLockOptions FromConfig(MainConfig config)
    {
        var methods = new List<LockMethod>();
        foreach (var name in config.GetList("mailbox_delivery_lock"))
        {
            methods.Add(name switch
            {
                "fcntl" => LockMethod.Fcntl,
                "flock" => LockMethod.Flock,
                "dotlock" => LockMethod.Dotlock,
                _ => throw new ConfigException($"unknown mailbox_delivery_lock method: {name}"),
            });
        }
        return new(methods, Math.Max(1, config.GetInt("deliver_lock_attempts")), config.GetTime("deliver_lock_delay"), config.GetTime("stale_lock_time"));
    }
}

/// <summary>A mailbox could not be locked in time; a temporary failure (4.2.0 in Postfix's terms).</summary>
public sealed class MailboxLockException : IOException
{
    public MailboxLockException(string message) : base(message) { }

    public MailboxLockException() { }

    public MailboxLockException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// An exclusive lock on a mailbox file by every method of <see cref="MailboxLockOptions"/>,
/// taken in the order dotlock, then the kernel locks (as Postfix's deliver_lock does), each
/// tried <c>deliver_lock_attempts</c> times <c>deliver_lock_delay</c> apart. A dotlock is the
/// file <c>MAILBOX.lock</c> made with O_EXCL; one older than <c>stale_lock_time</c> is removed.
/// Disposing releases everything. The handle given must come from <see cref="NativeFile.Open"/>.
/// </summary>
public sealed class MailboxLock : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string? _dotlock;
    private bool _fcntl;
    private bool _flock;

    private MailboxLock(SafeFileHandle handle, string? dotlock)
    {
        _handle = handle;
        _dotlock = dotlock;
    }

    /// <summary>Locks the open mailbox <paramref name="path"/>; throws <see cref="MailboxLockException"/> when it cannot.</summary>
    public static MailboxLock Acquire(SafeFileHandle handle, string path, MailboxLockOptions options, CancellationToken cancel = default)
    {
        string? dotlock = null;
        if (options.Methods.Contains(LockMethod.Dotlock))
        {
            dotlock = path + ".lock";
            Retry(options, () => TryDotlock(dotlock, options.StaleLockTime), $"unable to create lock file {dotlock}", cancel);
        }
        var l = new MailboxLock(handle, dotlock);
        try
        {
            if (options.Methods.Contains(LockMethod.Fcntl))
            {
                Retry(options, () => NativeFile.FcntlLock(handle, exclusive: true, wait: false), $"unable to lock {path} for exclusive access (fcntl): Resource temporarily unavailable", cancel);
                l._fcntl = true;
            }
            if (options.Methods.Contains(LockMethod.Flock))
            {
                Retry(options, () => NativeFile.FlockLock(handle, exclusive: true, wait: false), $"unable to lock {path} for exclusive access (flock): Resource temporarily unavailable", cancel);
                l._flock = true;
            }
        }
        catch
        {
            l.Dispose();
            throw;
        }
        return l;
    }

    private static void Retry(MailboxLockOptions options, Func<bool> attempt, string failure, CancellationToken cancel)
    {
        for (int i = 0; i < options.Attempts; i++)
        {
            if (attempt())
                return;
            if (i + 1 < options.Attempts)
                cancel.WaitHandle.WaitOne(options.Delay);
            cancel.ThrowIfCancellationRequested();
        }
        throw new MailboxLockException(failure);
    }

    private static bool TryDotlock(string lockPath, TimeSpan stale)
    {
        try
        {
            NativeFile.Open(lockPath, NativeFile.OWrOnly | NativeFile.OCreat | NativeFile.OExcl, 0x1a4 /* 0644 */).Dispose();
            return true;
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) > stale)
            {
                try
                {
                    File.Delete(lockPath);
                }
                catch (IOException)
                {
                }
            }
            return false;
        }
    }

    public void Dispose()
    {
        // A FileStream over the handle may have closed it already, which released the kernel
        // locks; its descriptor number may then belong to another file, so it is not touched.
        if (!_handle.IsClosed)
        {
            if (_flock)
                NativeFile.FlockUnlock(_handle);
            if (_fcntl)
                NativeFile.FcntlUnlock(_handle);
        }
        _flock = _fcntl = false;
        if (_dotlock is not null)
        {
            try
            {
                File.Delete(_dotlock);
            }
            catch (IOException)
            {
            }
        }
    }
}
