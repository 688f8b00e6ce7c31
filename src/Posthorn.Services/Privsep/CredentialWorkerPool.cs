namespace Posthorn.Services.Privsep;

/// <summary>
/// The dedicated threads of the privsep helper that write mailboxes as their users: the
/// equivalent of Postfix's pool of long-lived local(8)/virtual(8) processes, each switching
/// its effective uid per delivery. A thread is started only when a job arrives and every
/// thread is busy, up to <c>maxThreads</c> (the master passes default_process_limit), so the
/// pool stays as small as the delivery concurrency. Jobs run synchronously on their thread
/// with <see cref="ThreadCredentials"/>; no job ever runs on a thread-pool thread.
/// </summary>
internal sealed class CredentialWorkerPool : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<Action<ThreadCredentials.Saved>> _jobs = new();
    private readonly List<Thread> _threads = [];
    private readonly int _maxThreads;
    private int _idle;
    private bool _completed;

    public CredentialWorkerPool(int maxThreads) => _maxThreads = Math.Max(1, maxThreads);

    /// <summary>The number of threads started so far.</summary>
    public int ThreadCount
    {
        get
        {
            lock (_gate)
                return _threads.Count;
        }
    }

    /// <summary>Queues a job; it gets the identity its thread returns to after each switch.</summary>
    public void Post(Action<ThreadCredentials.Saved> job)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            _jobs.Enqueue(job);
            if (_idle == 0 && _threads.Count < _maxThreads)
            {
                var t = new Thread(Work) { IsBackground = true, Name = "privsep-" + _threads.Count };
                _threads.Add(t);
                t.Start();
            }
            else if (_idle > 0)
            {
                _idle--;
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Runs the queued jobs to the end and stops every thread.</summary>
    public void Dispose()
    {
        List<Thread> threads;
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
            threads = [.. _threads];
        }
        foreach (var t in threads)
            t.Join();
    }

    private void Work()
    {
        var saved = ThreadCredentials.Saved.OfCurrentThread();
        while (true)
        {
            Action<ThreadCredentials.Saved> job;
            lock (_gate)
            {
                while (_jobs.Count == 0)
                {
                    if (_completed)
                        return;
                    _idle++; // Post takes it back when it wakes this thread.
                    Monitor.Wait(_gate);
                }
                job = _jobs.Dequeue();
            }
            job(saved);
        }
    }
}
