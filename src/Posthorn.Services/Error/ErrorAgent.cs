using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Error;

/// <summary>
/// error(8): the delivery agent that fails every recipient with the nexthop text as the reason
/// (<c>error:5.1.1 User unknown</c>, or the virtual alias domain "User unknown in virtual alias
/// table"). Run under the service name <c>error</c> it bounces (default status 5.0.0); under
/// <c>retry</c> it defers (default 4.0.0), as Postfix's one program does by service name. A
/// leading RFC 3463 status in the text replaces the default. The relay is "none".
/// </summary>
public sealed class ErrorAgent : IDeliveryAgent
{
    private readonly bool _retry;

    public ErrorAgent(bool retry) => _retry = retry;

    public ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (status, text) = DsnText.Split(_retry ? "4.0.0" : "5.0.0", request.Nexthop);
        // A permanent status from the text on the retry service still defers: the status class says 4.
        if (_retry && status[0] == '5')
            status = "4" + status[1..];
        var outcome = _retry ? DeliveryOutcome.Deferred : DeliveryOutcome.Bounced;
        var results = request.Recipients.Select(r => new RecipientResult(r, outcome, status, text, "none",
            DsnAction: _retry ? "delayed" : "failed")).ToList();
        return ValueTask.FromResult(new DeliveryResult(results));
    }
}

/// <summary>The master.cf service for error(8) and retry: registers the agent under the service name.</summary>
internal sealed class ErrorService : IMailService
{
    public Task RunAsync(ServiceContext context, CancellationToken stopping) =>
        AgentHost.RunAsync(context, new ErrorAgent(context.Entry.Name == "retry"), stopping);
}
