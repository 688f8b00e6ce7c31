using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// The POP3 server (RFC 1939, RFC 2449, RFC 2595, RFC 5034) for master.cf lines such as
/// <c>pop3 inet n - n - - pop3d</c> and
/// <c>pop3s inet n - n - - pop3d -o pop3d_tls_wrappermode=yes</c>. Each connection runs a
/// <see cref="Pop3dConnection"/> over the protocol layer's Pop3Session; settings come from
/// main.cf with the entry's -o overrides (docs/pop3d.md).
/// </summary>
internal sealed class Pop3dService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        Pop3dSettings settings;
        try
        {
            settings = Pop3dSettings.FromConfig(context.Config);
        }
        catch (ConfigException e)
        {
            context.Log.Fatal(context.ProcessName, e.Message);
            throw;
        }
        foreach (var w in settings.Users.Warnings)
            context.Log.Warning(context.ProcessName, w);
        await ConnectionHost.RunAsync(context, context.Listeners,
            (Socket s, CancellationToken ct) => DedicatedSession.Run(async () =>
            {
                using var connection = new Pop3dConnection(s, settings, context.Log, context.ProcessName);
                await connection.RunAsync(ct);
            }, "pop3d session"),
            stopping);
    }
}
