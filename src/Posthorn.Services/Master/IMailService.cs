using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;

namespace Posthorn.Services.Master;

/// <summary>
/// A master.cf service running inside the master process (master(5)): where Postfix's master
/// forks a daemon per service, Posthorn's calls <see cref="RunAsync"/>. The service runs until
/// <c>stopping</c> is cancelled (postfix reload or stop), then returns promptly; it must not
/// close its listeners, which the master owns and may hand to the next generation on reload.
/// A connection already accepted is finished (or closed with a proper reply), never dropped:
/// stop accepting at once, let sessions in progress end.
/// </summary>
public interface IMailService
{
    Task RunAsync(ServiceContext context, CancellationToken stopping);
}

/// <summary>
/// What a service starts with: its master.cf entry, main.cf as it sees it (with the entry's
/// <c>-o</c> overrides), the log (tagged with its syslog_name), the bound listening sockets of
/// an inet service (empty for unix, fifo and pass services), and the directory through which
/// in-process services find each other.
/// </summary>
public sealed record ServiceContext(
    MasterService Entry,
    MainConfig Config,
    MailLog Log,
    IReadOnlyList<Socket> Listeners,
    ServiceDirectory Directory)
{
    /// <summary>The name the service logs under: its command (smtpd, pickup ...), as Postfix's process_name.</summary>
    public string ProcessName => ServiceCatalog.CommandName(Entry.Command);
}

/// <summary>Creates a service for a master.cf entry; one call per start or reload.</summary>
public delegate IMailService MailServiceFactory(MasterService entry);
