using Posthorn.Core.Logging;

namespace Posthorn.Services.Delivery;

/// <summary>
/// Who logs a delivery agent's per-recipient records: the service's log (with its master.cf
/// <c>syslog_name</c>) and process name, so that <c>to=&lt;...&gt;, relay=..., status=...</c> lines
/// carry <c>posthorn/smtp</c>, <c>posthorn/local</c>, ... as Postfix's agents log them.
/// Registered by <see cref="AgentHost"/> beside the agent, under the same service name.
/// </summary>
public sealed record AgentLog(MailLog Log, string ProcessName);
