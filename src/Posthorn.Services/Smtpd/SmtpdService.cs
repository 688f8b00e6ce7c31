using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Posthorn.Services.Master;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// The smtpd(8) service of master.cf (<c>smtp inet n - n - - smtpd</c>, and
/// <c>submission inet n - n - - smtpd -o ...</c> whose overrides arrive in the context's
/// config): accepts on the listeners the master bound and runs one <see cref="SmtpdSession"/>
/// per connection over System.IO.Pipelines. On stop it accepts no more connections and lets
/// the sessions in progress finish. Runs as mail_owner inside the master. The SMTP server is
/// moderately security-sensitive: it talks to anyone on the network; every input is bounded by
/// main.cf limits (line_length_limit, message_size_limit, smtpd_timeout, error limits).
/// </summary>
public sealed class SmtpdService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(context);
        var server = new SmtpdServer(context.Config, context.Log, context.ProcessName, context.Entry.Name, context.Directory);
        var sessions = new List<Task>();
        using var sessionsStop = new CancellationTokenSource();
        // master.cf's maxproc (or default_process_limit): at most this many sessions at once;
        // further clients wait in the listen queue, as they wait for a free smtpd process in Postfix.
        int limit = context.Entry.ProcessLimit ?? context.Config.GetInt("default_process_limit");
        using var slots = new SemaphoreSlim(limit > 0 ? limit : int.MaxValue);
        var accepts = context.Listeners.Select(l => AcceptLoopAsync(server, l, sessions, slots, sessionsStop.Token, stopping)).ToList();
        await Task.WhenAll(accepts).ConfigureAwait(false);
        Task[] running;
        lock (sessions)
            running = sessions.ToArray();
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private static async Task AcceptLoopAsync(SmtpdServer server, Socket listener, List<Task> sessions, SemaphoreSlim slots,
        CancellationToken sessionToken, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await slots.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                slots.Release();
                return;
            }
            catch (SocketException e)
            {
                slots.Release();
                server.Log.Warning(server.ProcessName, $"accept: {e.Message}");
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            catch (ObjectDisposedException)
            {
                slots.Release();
                return;
            }
            var task = Task.Run(async () =>
            {
                try
                {
                    await RunSessionAsync(server, client, sessionToken).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None);
            lock (sessions)
            {
                sessions.RemoveAll(t => t.IsCompleted);
                sessions.Add(task);
            }
        }
    }

    private static async Task RunSessionAsync(SmtpdServer server, Socket client, CancellationToken ct)
    {
        try
        {
            client.NoDelay = true;
            var remote = client.RemoteEndPoint as IPEndPoint;
            var address = remote?.Address ?? IPAddress.None;
            if (address.IsIPv4MappedToIPv6)
                address = address.MapToIPv4();
            await using var stream = new NetworkStream(client, ownsSocket: true);
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            using var session = new SmtpdSession(server, input, output, address, remote?.Port ?? 0);
            if (server.Security.Tls is { } tls)
                session.TlsHandshake = token => tls.AuthenticateAsync(stream, server.Security.StartTlsTimeout, token);
            await session.RunAsync(ct).ConfigureAwait(false);
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection broke while closing; the session has logged its end.
        }
        catch (Exception e)
        {
            server.Log.Warning(server.ProcessName, $"session error: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            client.Dispose();
        }
    }
}
