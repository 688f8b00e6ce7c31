namespace Posthorn.Services.Master;

/// <summary>
/// Postfix's global mail flow control (mail_flow(3), in_flow_delay in postconf(5)) in process:
/// the token pipe between the master's services becomes a counter. The queue manager produces
/// tokens as it takes new mail from the incoming queue, and tops them up to
/// default_process_limit when it has caught up; every new message that smtpd hands to cleanup
/// consumes one. A message that finds no token pauses in_flow_delay first and then goes on
/// (Postfix slows receivers that get ahead of the queue manager, it never blocks them). The
/// control applies only while a queue manager runs (<see cref="Produce"/>): without one there
/// is no delivery rate to follow. Thread-safe.
/// </summary>
public sealed class MailFlow
{
    private long _tokens;
    private int _producers;

    /// <summary>Tokens available now.</summary>
    public long Count => Interlocked.Read(ref _tokens);

    /// <summary>True while a queue manager produces tokens.</summary>
    public bool Enabled => Volatile.Read(ref _producers) > 0;

    /// <summary>A queue manager starts producing; disposing the result stops it (and drops its tokens when it was the last).</summary>
    public IDisposable Produce()
    {
        Interlocked.Increment(ref _producers);
        return new Producer(this);
    }

    /// <summary>mail_flow_put: adds <paramref name="count"/> tokens.</summary>
    public void Put(long count)
    {
        if (count > 0)
            Interlocked.Add(ref _tokens, count);
    }

    /// <summary>mail_flow_get: takes <paramref name="count"/> tokens when that many are there; false (nothing taken) otherwise.</summary>
    public bool TryGet(long count = 1)
    {
        while (true)
        {
            long now = Interlocked.Read(ref _tokens);
            if (now < count)
                return false;
            if (Interlocked.CompareExchange(ref _tokens, now - count, now) == now)
                return true;
        }
    }

    /// <summary>
    /// The receiving side (Postfix's cleanup on each new message): takes a token, or when none
    /// is there pauses <paramref name="delay"/> (in_flow_delay; zero turns flow control off).
    /// True when it paused.
    /// </summary>
    public async ValueTask<bool> TakeOrPauseAsync(TimeSpan delay, TimeProvider? time, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero || !Enabled || TryGet())
            return false;
        await Task.Delay(delay, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The queue manager's side, once per pass of its loop (qmgr_loop): below
    /// <paramref name="processLimit"/> tokens, add one per message just taken from incoming,
    /// or fill up to the limit when the incoming queue has been read to its end; above the
    /// limit, drop the excess.
    /// </summary>
    public void Replenish(int fedFromIncoming, bool incomingScanDone, long processLimit)
    {
        long count = Count;
        if (count < processLimit)
        {
            if (fedFromIncoming > 0)
                Put(Math.Min(fedFromIncoming, processLimit - count));
            else if (incomingScanDone)
                Put(processLimit - count);
        }
        else if (count > processLimit)
        {
            TryGet(count - processLimit);
        }
    }

    private sealed class Producer(MailFlow flow) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && Interlocked.Decrement(ref flow._producers) == 0)
                Interlocked.Exchange(ref flow._tokens, 0);
        }
    }
}
