using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>
/// The master.cf <c>local</c> service (local(8)): registers a <see cref="LocalAgent"/> as the
/// <see cref="IDeliveryAgent"/> under the entry's service name, where qmgr finds it, and holds
/// it until the service stops. Delivery runs in-process as the master's user (docs/local.md).
/// </summary>
internal sealed class LocalService : IMailService
{
    public Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        var agent = new LocalAgent(new LocalSettings(context.Config), new SystemUserLookup(), context.Log, context.Directory, context.ProcessName);
        return AgentHost.RunAsync(context, agent, stopping);
    }
}
