using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// The master.cf service for smtp(8) and lmtp(8) (<c>smtp unix - - n - - smtp</c>,
/// <c>relay unix ... smtp</c>, <c>lmtp unix ... lmtp</c>): registers a
/// <see cref="SmtpDeliveryAgent"/> under the entry's service name so that qmgr finds it as the
/// transport of that name, and keeps it until the master stops or reloads. The command name
/// decides the mode (lmtp reads lmtp_* parameters).
/// </summary>
public sealed class SmtpService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        bool lmtp = context.ProcessName == "lmtp";
        await using var agent = new SmtpDeliveryAgent(context.Config, lmtp, context.Log, context.ProcessName);
        await AgentHost.RunAsync(context, agent, stopping);
    }
}
