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
        return DeliveryAgentHost.HoldAsync(context, agent, stopping);
    }
}

/// <summary>Registers a delivery agent under its master.cf service name for the life of the service, as local and virtual both do.</summary>
internal static class DeliveryAgentHost
{
    public static async Task HoldAsync(ServiceContext context, IDeliveryAgent agent, CancellationToken stopping)
    {
        context.Directory.Register<IDeliveryAgent>(context.Entry.Name, agent);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            context.Directory.Unregister<IDeliveryAgent>(context.Entry.Name, agent);
        }
    }
}
