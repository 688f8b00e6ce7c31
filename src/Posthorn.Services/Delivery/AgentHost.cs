using Posthorn.Services.Master;

namespace Posthorn.Services.Delivery;

/// <summary>
/// Runs an in-process delivery agent as a master.cf service: registers it in the service
/// directory under the service name (the transport name qmgr looks up), keeps it there until
/// the service stops (reload or stop), then removes it.
/// </summary>
public static class AgentHost
{
    public static async Task RunAsync(ServiceContext context, IDeliveryAgent agent, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(context);
        var log = new AgentLog(context.Log, context.ProcessName);
        context.Directory.Register(context.Entry.Name, agent);
        context.Directory.Register(context.Entry.Name, log);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            context.Directory.Unregister(context.Entry.Name, agent);
            context.Directory.Unregister(context.Entry.Name, log);
        }
    }
}
