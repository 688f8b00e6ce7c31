using System.Collections.Concurrent;
using System.Net.Sockets;
using Posthorn.Services.Master;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// The accept loop shared by pop3d and lmtpd (master(5) inet and unix services): accepts on
/// every listener until the master stops the service, runs one session task per connection,
/// at most the entry's process limit at once (master.cf maxproc, <c>-</c> meaning
/// default_process_limit, 0 no limit; further clients wait in the listen backlog, as with
/// Postfix's master), and on stop waits for sessions in progress, which see the same stop
/// signal and close with a proper reply when idle. A failing session is logged and never
/// stops the service.
/// </summary>
internal static class ConnectionHost
{
    public static async Task RunAsync(ServiceContext context, IReadOnlyList<Socket> listeners, Func<Socket, CancellationToken, Task> session, CancellationToken stopping)
    {
        int limit = context.Entry.ProcessLimit ?? context.Config.GetInt("default_process_limit");
        using var slots = limit > 0 ? new SemaphoreSlim(limit, limit) : null;
        var sessions = new ConcurrentDictionary<Task, byte>();

        async Task Guarded(Socket client)
        {
            try
            {
                await session(client, stopping);
            }
#pragma warning disable CA1031 // One broken session must not take the service down; it is logged.
            catch (Exception e)
#pragma warning restore CA1031
            {
                context.Log.Warning(context.ProcessName, $"session aborted: {e.GetType().Name}: {e.Message}");
                client.Dispose();
            }
            finally
            {
                slots?.Release();
            }
        }

        async Task AcceptLoop(Socket listener)
        {
            while (!stopping.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    if (slots is not null)
                        await slots.WaitAsync(stopping);
                    try
                    {
                        client = await listener.AcceptAsync(stopping);
                    }
                    catch
                    {
                        slots?.Release();
                        throw;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(10, CancellationToken.None);
                    continue;
                }
                // Replies are small writes answering single requests: without TCP_NODELAY, Nagle and the
                // client's delayed ACK add ~40 ms to every POP3 RETR and LMTP reply.
                if (client.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                    client.NoDelay = true;
                var task = Task.Run(() => Guarded(client), CancellationToken.None);
                sessions[task] = 0;
                _ = task.ContinueWith(t => sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        await Task.WhenAll(listeners.Select(AcceptLoop));
        await Task.WhenAll(sessions.Keys);
    }
}
