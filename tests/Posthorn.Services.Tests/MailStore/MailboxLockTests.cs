using System.Diagnostics;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class MailboxLockTests
{
    private static readonly DateTime When = new(2026, 11, 4, 9, 5, 1, DateTimeKind.Local);

    private static MailboxLockOptions Options(int attempts, params LockMethod[] methods) =>
        new(methods, attempts, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(500));

    /// <summary>Starts python3 holding a classic POSIX fcntl (lockf) write lock on the file, as Postfix and s-nail take it.</summary>
    private static Process HoldFcntlLock(string path, double seconds) => Hold(
        "python3", "-c", $"import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep({seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})", path);

    /// <summary>Starts flock(1) holding a flock(2) lock on the file.</summary>
    private static Process HoldFlock(string path, double seconds) => Hold(
        "flock", path, "-c", $"echo locked; sleep {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    private static Process Hold(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        Assert.Equal("locked", p.StandardOutput.ReadLine());
        return p;
    }

    private static MemoryStream Msg(string s) => new(Encoding.ASCII.GetBytes(s));

    [Fact]
    public void Delivery_fails_when_another_process_keeps_the_fcntl_lock()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box, "");
        using var holder = HoldFcntlLock(box, 10);
        try
        {
            var e = Assert.Throws<MailboxLockException>(() => MboxWriter.Append(box, "a", When, Msg("x\n"), Options(3, LockMethod.Fcntl)));
            Assert.Contains("unable to lock", e.Message, StringComparison.Ordinal);
            Assert.Equal(0, new FileInfo(box).Length);
        }
        finally
        {
            holder.Kill();
        }
    }

    [Fact]
    public void Delivery_waits_for_an_fcntl_lock_that_is_released_in_time()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box, "");
        using var holder = HoldFcntlLock(box, 0.3);
        var sw = Stopwatch.StartNew();
        MboxWriter.Append(box, "a", When, Msg("x\n"), Options(40, LockMethod.Fcntl));
        Assert.True(sw.Elapsed > TimeSpan.FromMilliseconds(100), "should have waited for the lock");
        Assert.StartsWith("From a  ", File.ReadAllText(box), StringComparison.Ordinal);
        holder.WaitForExit();
    }

    [Fact]
    public void Flock_method_respects_a_flock_held_by_another_process()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box, "");
        using var holder = HoldFlock(box, 10);
        try
        {
            Assert.Throws<MailboxLockException>(() => MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Flock)));
            // fcntl and flock locks are independent on Linux: with fcntl only, delivery goes ahead.
            MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Fcntl));
        }
        finally
        {
            holder.Kill();
        }
    }

    [Fact]
    public void A_readers_lock_holds_off_delivery_in_the_same_process()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box, "");
        using var handle = NativeFile.Open(box, NativeFile.ORdWr);
        using (MailboxLock.Acquire(handle, box, Options(1, LockMethod.Fcntl)))
            Assert.Throws<MailboxLockException>(() => MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Fcntl)));
        MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Fcntl));
    }

    [Fact]
    public void A_dotlock_is_created_during_delivery_and_removed_after()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box + ".lock", "");
        Assert.Throws<MailboxLockException>(() => MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Dotlock)));
        Assert.True(File.Exists(box + ".lock"), "someone else's dotlock stays");
        File.Delete(box + ".lock");
        MboxWriter.Append(box, "a", When, Msg("x\n"), Options(2, LockMethod.Dotlock));
        Assert.False(File.Exists(box + ".lock"));
    }

    [Fact]
    public void A_stale_dotlock_is_removed()
    {
        using var d = new TempDir();
        var box = d["alice"];
        File.WriteAllText(box + ".lock", "");
        File.SetLastWriteTimeUtc(box + ".lock", DateTime.UtcNow.AddSeconds(-600));
        MboxWriter.Append(box, "a", When, Msg("x\n"), new([LockMethod.Dotlock], 3, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(500)));
        Assert.False(File.Exists(box + ".lock"));
        Assert.True(new FileInfo(box).Length > 0);
    }

    [Fact]
    public void Options_come_from_main_cf_with_Postfix_defaults()
    {
        var o = MailboxLockOptions.FromConfig(MainConfig.FromText(""));
        Assert.Equal([LockMethod.Fcntl, LockMethod.Dotlock], o.Methods);
        Assert.Equal(20, o.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Delay);
        Assert.Equal(TimeSpan.FromSeconds(500), o.StaleLockTime);
        var f = MailboxLockOptions.FromConfig(MainConfig.FromText("mailbox_delivery_lock = flock\ndeliver_lock_attempts = 3\n"));
        Assert.Equal([LockMethod.Flock], f.Methods);
        Assert.Equal(3, f.Attempts);
        Assert.Throws<ConfigException>(() => MailboxLockOptions.FromConfig(MainConfig.FromText("mailbox_delivery_lock = lockf\n")));
    }
}
