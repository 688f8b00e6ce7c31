using System.Net.Sockets;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// A socket stream whose reads block the calling thread (with the socket's receive timeout)
/// instead of completing through the socket event thread and a thread-pool worker. A POP3
/// session runs on a thread of its own (<see cref="DedicatedSession"/>), so its request/reply
/// loop costs one kernel wake-up per command instead of two thread hand-offs, which were about
/// 40% of pop3d's CPU in a RETR loop. A receive timeout surfaces as
/// <see cref="OperationCanceledException"/>, as the cancellable read it replaces did.
/// </summary>
internal sealed class BlockingReadStream : Stream
{
    private readonly NetworkStream _inner;

    public BlockingReadStream(Socket socket, TimeSpan readTimeout)
    {
        // The same bound on writes: a client that stops reading must not hold its thread forever.
        socket.ReceiveTimeout = socket.SendTimeout = readTimeout <= TimeSpan.Zero || readTimeout.TotalMilliseconds >= int.MaxValue
            ? 0 : (int)Math.Max(1, readTimeout.TotalMilliseconds);
        _inner = new NetworkStream(socket, ownsSocket: true);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            throw new OperationCanceledException("read timed out", e);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _inner.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _inner.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Runs one session's async code on a thread of its own and completes when it ends. The thread
/// is the session's synchronization context: continuations of awaits that do not complete at
/// once (the login failure delay, a TLS handshake timer, the commit at QUIT) come back to it, so a
/// blocking read never ties up a thread-pool thread.
/// </summary>
internal static class DedicatedSession
{
    public static Task Run(Func<Task> session, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var context = new SessionContext();
            SynchronizationContext.SetSynchronizationContext(context);
            try
            {
                var task = session();
                context.RunUntil(task);
                task.GetAwaiter().GetResult();
                done.TrySetResult();
            }
#pragma warning disable CA1031 // handed to the awaiting accept loop, which logs it
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.TrySetException(e);
            }
        }, 256 * 1024)
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>A queue of continuations pumped by the session's thread until the session ends.</summary>
    private sealed class SessionContext : SynchronizationContext, IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                _queue.Add((d, state));
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
            {
                // The session is over; a late continuation runs on the pool.
                ThreadPool.QueueUserWorkItem(_ => d(state));
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        public override SynchronizationContext CreateCopy() => this;

        public void RunUntil(Task task)
        {
            task.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var (callback, state) in _queue.GetConsumingEnumerable())
                callback(state);
        }

        public void Dispose() => _queue.Dispose();
    }
}
