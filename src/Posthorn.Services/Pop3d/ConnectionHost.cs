using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// The accept loop shared by pop3d and lmtpd (master(5) inet and unix services): accepts on
/// every listener until the master stops the service, runs one session task per connection,
/// and on stop waits for sessions in progress, which see the same stop signal and close with a
/// proper reply when they are idle. A failing session never stops the service.
/// </summary>
internal static class ConnectionHost
{
    public static async Task RunAsync(IReadOnlyList<Socket> listeners, Func<Socket, CancellationToken, Task> session, CancellationToken stopping)
    {
        var sessions = new ConcurrentDictionary<Task, byte>();
        var loops = listeners.Select(l => AcceptLoop(l, session, sessions, stopping)).ToList();
        await Task.WhenAll(loops);
        await Task.WhenAll(sessions.Keys);
    }

    private static async Task AcceptLoop(Socket listener, Func<Socket, CancellationToken, Task> session, ConcurrentDictionary<Task, byte> sessions, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping);
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
            var task = Task.Run(() => session(client, stopping), CancellationToken.None);
            sessions[task] = 0;
            _ = task.ContinueWith(t => sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
