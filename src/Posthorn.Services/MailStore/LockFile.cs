namespace Posthorn.Services.MailStore;

/// <summary>
/// Runs a read-modify-write of a store metadata file under an exclusive fcntl lock on a
/// companion lock file (<c>NAME.lock</c>), waiting at most <c>deliver_lock_attempts</c> ×
/// <c>deliver_lock_delay</c> before failing with <see cref="MailboxLockException"/>.
/// </summary>
internal static class LockFile
{
    public static T With<T>(string lockPath, MailboxLockOptions? lockOptions, Func<T> action)
    {
        var options = lockOptions ?? MailboxLockOptions.Default;
        using var handle = NativeFile.Open(lockPath, NativeFile.ORdWr | NativeFile.OCreat);
        var deadline = DateTime.UtcNow + options.Delay * options.Attempts;
        while (!NativeFile.FcntlLock(handle, exclusive: true, wait: false))
        {
            if (DateTime.UtcNow > deadline)
                throw new MailboxLockException($"unable to lock {lockPath} for exclusive access: Resource temporarily unavailable");
            Thread.Sleep(10);
        }
        try
        {
            return action();
        }
        finally
        {
            NativeFile.FcntlUnlock(handle);
        }
    }
}
