using System.Net;
using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Matching;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Delivery;
using Posthorn.Services.DnsLookup;
using Posthorn.Services.Master;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// What all sessions of one smtpd service share: the settings, the access restrictions, the
/// cleanup processor and queue, local_header_rewrite_clients, the in-process anvil with its
/// exceptions (smtpd_client_event_limit_exceptions), the client name lookup, and the way to
/// the queue manager (IQmgrTrigger "qmgr" in the ServiceDirectory). Built once per service start.
/// </summary>
public sealed class SmtpdServer
{
    private readonly ServiceDirectory? _directory;
    private readonly NetworkList _eventLimitExceptions;
    private readonly NetworkList _bareNewlineExclusions;
    private readonly DomainList _fastFlushDomains;

    public SmtpdServer(MainConfig config, MailLog log, string processName = "smtpd", string serviceName = "smtp",
        ServiceDirectory? directory = null, IMailHostLookup? dns = null,
        Func<IPAddress, CancellationToken, ValueTask<ClientNames>>? nameLookup = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Log = log ?? MailLog.Null;
        ProcessName = processName;
        ServiceName = serviceName;
        _directory = directory;
        Settings = new SmtpdSettings(config);
        Security = new SmtpdSecuritySettings(config);
        var maps = new TableMapResolver(config, Log, processName);
        var resolver = new AddressResolver(config, maps);
        Restrictions = new SmtpdRestrictions(config, maps, resolver, dns ?? new MailDns(config), Log, processName);
        Cleanup = new CleanupProcessor(config, maps);
        Queue = QueueDirectory.FromConfig(config);
        var mynetworks = NetworkList.ForParameter(config, "mynetworks", maps);
        HeaderRewrite = new LocalHeaderRewriteClients(config, maps, ip => mynetworks.Matches("unknown", ip));
        foreach (var w in HeaderRewrite.Warnings)
            Log.Warning(processName, w);
        _eventLimitExceptions = NetworkList.ForParameter(config, "smtpd_client_event_limit_exceptions", maps);
        _bareNewlineExclusions = NetworkList.ForParameter(config, "smtpd_forbid_bare_newline_exclusions", maps);
        _fastFlushDomains = DomainList.ForParameter(config, "fast_flush_domains", maps);
        Anvil = new Anvil(Settings.AnvilRateTimeUnit);
        if (nameLookup is null)
        {
            var lookup = new ClientNameLookup(config, Log, processName);
            nameLookup = lookup.LookupAsync;
        }
        NameLookup = nameLookup;
    }

    public MainConfig Config { get; }

    public MailLog Log { get; }

    /// <summary>The name this service logs under (smtpd).</summary>
    public string ProcessName { get; }

    /// <summary>The master.cf service name (smtp, submission, 2525 ...), as anvil's warnings name it.</summary>
    public string ServiceName { get; }

    public SmtpdSettings Settings { get; }

    /// <summary>TLS and SASL: smtpd_tls_*, smtpd_sasl_*, the user database.</summary>
    public SmtpdSecuritySettings Security { get; }

    public SmtpdRestrictions Restrictions { get; }

    public CleanupProcessor Cleanup { get; }

    public QueueDirectory Queue { get; }

    public LocalHeaderRewriteClients HeaderRewrite { get; }

    public Anvil Anvil { get; }

    public Func<IPAddress, CancellationToken, ValueTask<ClientNames>> NameLookup { get; }

    /// <summary>Free bytes of the queue file system (replaceable for tests).</summary>
    public Func<long> FreeSpace { get; set; } = () => -1;

    /// <summary>The client is exempt from connection count/rate limits.</summary>
    public bool IsEventLimitException(string name, IPAddress address) => _eventLimitExceptions.Matches(name, address);

    /// <summary>smtpd_forbid_bare_newline_exclusions: clients to which smtpd_forbid_bare_newline does not apply.</summary>
    public bool IsBareNewlineExcluded(string name, IPAddress address) => _bareNewlineExclusions.Matches(name, address);

    /// <summary>fast_flush_domains: the destinations ETRN may flush (Postfix's flush(8) refuses others).</summary>
    public bool IsFastFlushDomain(string domain) => _fastFlushDomains.Matches(domain);

    /// <summary>Queue space for a message of this size (queue_minfree, Postfix's smtpd_check_queue).</summary>
    public bool HasQueueSpace(long messageSize)
    {
        long free = FreeSpace();
        if (free < 0)
        {
            try
            {
                free = QueueSpace.FreeBytes(Queue.Root);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                return true;
            }
        }
        return QueueSpace.HasRoom(free, Settings.QueueMinfree, messageSize);
    }

    /// <summary>
    /// in_flow_delay (postconf(5)): before a new message is handed to cleanup, take a flow
    /// token; when the queue manager has fallen behind and none is left, pause in_flow_delay.
    /// </summary>
    public ValueTask<bool> InFlowDelayAsync(CancellationToken cancellationToken) =>
        _directory is null ? ValueTask.FromResult(false)
            : _directory.Flow.TakeOrPauseAsync(Config.GetTime("in_flow_delay"), TimeProvider.System, cancellationToken);

    /// <summary>notify_classes, lower case.</summary>
    public IReadOnlySet<string> NotifyClasses => _notifyClasses ??= new HashSet<string>(Config.GetList("notify_classes").Select(c => c.ToLowerInvariant()));

    private HashSet<string>? _notifyClasses;

    /// <summary>
    /// Queues a postmaster notice from double_bounce_sender@$myhostname through the cleanup
    /// service's submitter, in the background; a failure is logged, never the session's problem.
    /// </summary>
    public void SubmitNotice(string recipient, byte[] content)
    {
        if (_directory is null || !_directory.TryFind<IMailSubmitter>("cleanup", out var submitter))
        {
            Log.Warning(ProcessName, "cannot send a postmaster notice: no cleanup service");
            return;
        }
        var sender = Config.Get("double_bounce_sender") + "@" + Config.Get("myhostname");
        var submission = new MailSubmission(sender, [new DeliveryRecipient(0, recipient)], new MemoryStream(content), ProcessName,
            Return: Bounce.DsnReturn.Headers);
        _ = Task.Run(async () =>
        {
            try
            {
                await submitter.SubmitAsync(submission, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                Log.Warning(ProcessName, $"cannot send a postmaster notice: {e.Message}");
            }
        });
    }

    /// <summary>Asks the queue manager to look at the queue ('I' incoming, 'A' all, 'F' flush); false when none runs.</summary>
    public bool TriggerQmgr(char request)
    {
        if (_directory is not null && _directory.TryFind<IQmgrTrigger>("qmgr", out var qmgr))
        {
            qmgr.Trigger(request);
            return true;
        }
        return false;
    }
}
