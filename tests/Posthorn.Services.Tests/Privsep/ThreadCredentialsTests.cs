using Posthorn.Services.Local;
using Posthorn.Services.Master;
using Posthorn.Services.Privsep;

namespace Posthorn.Services.Tests.Privsep;

/// <summary>
/// Per-thread filesystem credentials. Meaningful only when the tests run as root (as test.sh
/// does on CI); otherwise the root-only tests return early.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ThreadCredentialsTests : IDisposable
{
    private const uint Nobody = 65534;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-fscred-" + Guid.NewGuid().ToString("N"));

    public ThreadCredentialsTests()
    {
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF); // 0777: anyone may create here
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRoot => Libc.geteuid() == 0;

    /// <summary>Runs <paramref name="body"/> on a dedicated thread, as the pool does.</summary>
    private static T OnDedicatedThread<T>(Func<ThreadCredentials.Saved, T> body)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                result = body(ThreadCredentials.Saved.OfCurrentThread());
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        t.Start();
        t.Join();
        if (error is not null)
            throw new InvalidOperationException("thread failed", error);
        return result;
    }

    [Fact]
    public void Files_created_while_switched_belong_to_the_user()
    {
        if (!IsRoot)
            return;
        var path = Path.Combine(_dir, "created");
        var ok = OnDedicatedThread(saved => ThreadCredentials.Run(Nobody, Nobody, saved, () =>
        {
            File.WriteAllText(path, "x");
            return true;
        }, false));
        Assert.True(ok);
        var st = FileOwner.Get(path, follow: false)!.Value;
        Assert.Equal(Nobody, st.Uid);
        Assert.Equal(Nobody, st.Gid);
    }

    [Fact]
    public void Permissions_are_enforced_as_for_the_user_then_root_is_restored()
    {
        if (!IsRoot)
            return;
        var closed = Path.Combine(_dir, "closed");
        Directory.CreateDirectory(closed);
        File.SetUnixFileMode(closed, (UnixFileMode)0x1ED); // 0755 root: nobody may not create files
        var (denied, after) = OnDedicatedThread(saved =>
        {
            bool d = ThreadCredentials.Run(Nobody, Nobody, saved, () =>
            {
                try
                {
                    File.WriteAllText(Path.Combine(closed, "x"), "x");
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return true;
                }
            }, false);
            return (d, ThreadCredentials.Current());
        });
        Assert.True(denied);
        Assert.Equal((0u, 0u), after);
        Assert.False(File.Exists(Path.Combine(closed, "x")));
    }

    [Fact]
    public void Other_threads_keep_root_while_one_thread_is_switched()
    {
        if (!IsRoot)
            return;
        using var switched = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            var saved = ThreadCredentials.Saved.OfCurrentThread();
            ThreadCredentials.Run(Nobody, Nobody, saved, () =>
            {
                switched.Set();
                release.Wait(TimeSpan.FromSeconds(10));
                return true;
            }, false);
        });
        worker.Start();
        Assert.True(switched.Wait(TimeSpan.FromSeconds(10)));
        var path = Path.Combine(_dir, "by-root");
        File.WriteAllText(path, "x");
        release.Set();
        worker.Join();
        Assert.Equal(0u, FileOwner.Get(path, follow: false)!.Value.Uid);
    }

    [Fact]
    public void Root_is_never_a_delivery_identity()
    {
        var r = OnDedicatedThread(saved => ThreadCredentials.Run(0, 0, saved, () => "ran", "refused"));
        Assert.Equal("refused", r);
    }

    [Fact]
    public async Task Thread_pool_threads_may_not_switch()
    {
        var saved = ThreadCredentials.Saved.OfCurrentThread();
        await Task.Run(() => Assert.Throws<InvalidOperationException>(() => ThreadCredentials.Run(Nobody, Nobody, saved, () => 1, 0)));
    }
}
