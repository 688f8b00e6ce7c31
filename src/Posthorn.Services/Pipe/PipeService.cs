using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// The master.cf service for pipe(8) (<c>uucp unix - n n - - pipe flags=Fqhu user=uucp argv=uux
/// -r -n -z -a$sender - $nexthop!rmail ($recipient)</c>): registers a
/// <see cref="PipeDeliveryAgent"/> under the entry's service name for qmgr. A configuration
/// mistake in the entry is logged and defers the mail, as no message may be lost to it.
/// </summary>
public sealed class PipeService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        var agent = new PipeDeliveryAgent(context.Entry.Name, context.Entry.Arguments, context.Config, context.Log, context.Directory);
        await AgentHost.RunAsync(context, agent, stopping);
    }
}
