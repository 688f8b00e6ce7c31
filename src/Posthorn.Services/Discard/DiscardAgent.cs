using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Discard;

/// <summary>
/// discard(8): pretends to deliver every recipient. The nexthop text (after an optional RFC 3463
/// status, default 2.0.0) is the reason, so <c>discard:silently</c> logs
/// <c>relay=none, ..., dsn=2.0.0, status=sent (silently)</c>; relay is "none".
/// </summary>
public sealed class DiscardAgent : IDeliveryAgent
{
    public ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (status, text) = DsnText.Split("2.0.0", request.Nexthop);
        var results = request.Recipients.Select(r => new RecipientResult(r, DeliveryOutcome.Delivered, status, text, "none",
            DsnAction: "delivered")).ToList();
        return ValueTask.FromResult(new DeliveryResult(results));
    }
}

/// <summary>The master.cf service for discard(8).</summary>
internal sealed class DiscardService : IMailService
{
    public Task RunAsync(ServiceContext context, CancellationToken stopping) =>
        AgentHost.RunAsync(context, new DiscardAgent(), stopping);
}
