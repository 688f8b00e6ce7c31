using System.Net.Sockets;
using System.Text;

namespace Posthorn.Services.Master;

/// <summary>
/// A diagnostic inet service, not one of Postfix's: command <c>posthorn-banner</c> answers each
/// connection with one line, <c>220 $myhostname $mail_name banner service</c>, and closes it.
/// It proves the service host end to end (a listener bound by the master, kept across a
/// reload, served in-process) before smtpd exists. Runs as mail_owner, reads nothing.
/// </summary>
internal sealed class BannerService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        var line = Encoding.ASCII.GetBytes($"220 {context.Config.Get("myhostname")} {context.Config.Get("mail_name")} banner service\r\n");
        var loops = context.Listeners.Select(l => AcceptLoop(l, line, stopping)).ToList();
        await Task.WhenAll(loops);
    }

    private static async Task AcceptLoop(Socket listener, byte[] line, CancellationToken stopping)
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
            using (client)
            {
                try
                {
                    // A connection accepted before a reload or stop is still served.
                    await client.SendAsync(line, SocketFlags.None, CancellationToken.None);
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                }
            }
        }
    }
}
