using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Master;
using Posthorn.Services.Pop3d;

namespace Posthorn.Services.Tests.Pop3d;

public class ConnectionHostTests
{
    private static ServiceContext Context(string maxProc, Socket listener) =>
        new(new MasterService("pop3", "inet", "n", "-", "n", "-", maxProc, "pop3d", [], [], [], 1),
            MainConfig.FromText(""), MailLog.Null, [listener], new ServiceDirectory());

    [Fact]
    public async Task Runs_at_most_the_process_limit_of_sessions_at_once_and_waits_for_them_on_stop()
    {
        using var listener = ListenerPool.Bind(new IPEndPoint(IPAddress.Loopback, 0), 10);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var release = new TaskCompletionSource();
        int started = 0;
        using var stop = new CancellationTokenSource();
        var host = ConnectionHost.RunAsync(Context("1", listener), [listener], async (s, _) =>
        {
            Interlocked.Increment(ref started);
            await release.Task;
            s.Dispose();
        }, stop.Token);
        using var a = new TcpClient();
        using var b = new TcpClient();
        await a.ConnectAsync(IPAddress.Loopback, port);
        await b.ConnectAsync(IPAddress.Loopback, port);
        await Task.Delay(300);
        Assert.Equal(1, Volatile.Read(ref started));
        release.SetResult();
        for (int i = 0; i < 100 && Volatile.Read(ref started) < 2; i++)
            await Task.Delay(20);
        Assert.Equal(2, Volatile.Read(ref started));
        stop.Cancel();
        await host.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_throwing_session_does_not_stop_the_service()
    {
        using var listener = ListenerPool.Bind(new IPEndPoint(IPAddress.Loopback, 0), 10);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        int calls = 0;
        using var stop = new CancellationTokenSource();
        var host = ConnectionHost.RunAsync(Context("-", listener), [listener], (s, _) =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("boom");
        }, stop.Token);
        for (int i = 0; i < 3; i++)
        {
            using var c = new TcpClient();
            await c.ConnectAsync(IPAddress.Loopback, port);
        }
        for (int i = 0; i < 100 && Volatile.Read(ref calls) < 3; i++)
            await Task.Delay(20);
        Assert.Equal(3, Volatile.Read(ref calls));
        Assert.False(host.IsCompleted);
        stop.Cancel();
        await host.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
