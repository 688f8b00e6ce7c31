using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Posthorn.Services.Master;

namespace Posthorn.Services.Imapd;

/// <summary>
/// The IMAP server, master.cf <c>imap inet n - n - - imapd</c> and, for port 993,
/// <c>imaps inet n - n - - imapd -o imapd_tls_wrappermode=yes</c> (RFC 3501, RFC 8314). Each
/// accepted connection is an <see cref="ImapSession"/>. On stop or reload no new connection is
/// accepted and sessions end with "* BYE Server shutting down." at their next read. Runs as
/// mail_owner inside the master; reads posthorn_user_database and the users' mail stores. The
/// service is security-sensitive: it talks to unauthenticated clients; every limit is an
/// imapd_* parameter (docs/imapd.md).
/// </summary>
internal sealed class ImapdService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        var settings = ImapdSettings.FromConfig(context.Config);
        Tls.TlsServerContext? tls = null;
        try
        {
            tls = Tls.TlsServerContext.FromConfig(context.Config, "imapd_tls_cert_file", "imapd_tls_key_file", "smtpd_tls_protocols");
        }
        catch (Exception e) when (e is Core.Config.ConfigException or IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            context.Log.Warning(context.ProcessName, $"cannot load TLS certificate {settings.CertFile}: {e.Message}; TLS disabled");
        }

        var ctx = new ImapdContext(context.Config, context.Log, context.ProcessName, settings, tls);
        var sessions = new ConcurrentDictionary<Task, bool>();
        var loops = context.Listeners.Select(l => AcceptLoop(l, ctx, sessions, stopping)).ToList();
        await Task.WhenAll(loops);
        await Task.WhenAll(sessions.Keys);
    }

    private static async Task AcceptLoop(Socket listener, ImapdContext ctx, ConcurrentDictionary<Task, bool> sessions, CancellationToken stopping)
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
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var task = Task.Run(() => Serve(client, ctx, stopping), CancellationToken.None);
            sessions[task] = true;
            _ = task.ContinueWith(t => sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private static async Task Serve(Socket client, ImapdContext ctx, CancellationToken stopping)
    {
        using (client)
        {
            client.NoDelay = true;
            await using var network = new NetworkStream(client, ownsSocket: false);
            using var session = new ImapSession(ctx, network, client.RemoteEndPoint as IPEndPoint, client.LocalEndPoint as IPEndPoint, stopping);
            try
            {
                await session.RunAsync();
            }
            catch (Exception e)
            {
                // A bug must not take the service down with it; the client is disconnected.
                ctx.Log.Warning(ctx.ProcessName, $"session failed: {e.GetType().Name}: {e.Message}");
            }
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
        }
    }
}
