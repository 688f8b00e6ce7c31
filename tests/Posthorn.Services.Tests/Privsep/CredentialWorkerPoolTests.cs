using Posthorn.Services.Privsep;

namespace Posthorn.Services.Tests.Privsep;

public sealed class CredentialWorkerPoolTests
{
    [Fact]
    public void Jobs_run_on_dedicated_threads_never_on_the_thread_pool()
    {
        var onPool = new List<bool>();
        using (var pool = new CredentialWorkerPool(4))
        {
            for (int i = 0; i < 10; i++)
                pool.Post(_ =>
                {
                    lock (onPool)
                        onPool.Add(Thread.CurrentThread.IsThreadPoolThread);
                });
        }
        Assert.Equal(10, onPool.Count);
        Assert.All(onPool, Assert.False);
    }

    [Fact]
    public void One_job_at_a_time_needs_one_thread()
    {
        using var pool = new CredentialWorkerPool(8);
        for (int i = 0; i < 5; i++)
        {
            using var done = new ManualResetEventSlim();
            pool.Post(_ => done.Set());
            Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
            Thread.Sleep(20); // let the thread go back to waiting
        }
        Assert.Equal(1, pool.ThreadCount);
    }

    [Fact]
    public void Blocked_jobs_get_more_threads_up_to_the_limit_and_the_rest_wait()
    {
        using var release = new ManualResetEventSlim();
        int started = 0;
        var pool = new CredentialWorkerPool(3);
        for (int i = 0; i < 6; i++)
            pool.Post(_ =>
            {
                Interlocked.Increment(ref started);
                release.Wait(TimeSpan.FromSeconds(10));
            });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref started) < 3 && sw.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(10);
        Thread.Sleep(50);
        Assert.Equal(3, Volatile.Read(ref started));
        Assert.Equal(3, pool.ThreadCount);
        release.Set();
        pool.Dispose();
        Assert.Equal(6, started);
    }
}
