using Posthorn.Core.Addressing;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>
/// The local(8) delivery agent: delivers each recipient of a request to its aliases, .forward
/// destinations or mailbox (see <see cref="LocalDelivery"/>) and reports one result per
/// recipient. Built from main.cf (<see cref="LocalSettings"/>), an account lookup, the mail
/// log and the master's service directory, where it finds the cleanup service's
/// <see cref="IMailSubmitter"/> (forwarding) and other agents (mailbox_transport,
/// fallback_transport).
/// </summary>
public sealed class LocalAgent : IDeliveryAgent
{
    private readonly ServiceDirectory? _directory;
    private readonly LocalDomains _localDomains;
    private TableList? _aliasMaps;

    public LocalAgent(LocalSettings settings, ILocalUserLookup users, MailLog log, ServiceDirectory? directory, string processName = "local", IMailSubmitter? submitter = null)
    {
        Settings = settings;
        Users = users;
        Log = log;
        ProcessName = processName;
        _directory = directory;
        Submitter = submitter;
        _localDomains = new LocalDomains(settings.Config, new TableMapResolver(settings.Config, log, processName));
        Mailbox = new LocalMailboxDelivery(this);
        Command = new LocalCommandDelivery(this);
    }

    public LocalSettings Settings { get; }

    public ILocalUserLookup Users { get; }

    public MailLog Log { get; }

    public string ProcessName { get; }

    internal LocalMailboxDelivery Mailbox { get; }

    internal LocalCommandDelivery Command { get; }

    /// <summary>A submitter given directly (tests); otherwise the one registered as "cleanup".</summary>
    private IMailSubmitter? Submitter { get; }

    public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var results = new List<RecipientResult>(request.Recipients.Count);
        LocalMessage message;
        try
        {
            message = LocalMessage.Read(request);
        }
        catch (IOException e)
        {
            foreach (var r in request.Recipients)
                results.Add(new RecipientResult(r, DeliveryOutcome.Deferred, "4.3.0", $"error reading message file: {e.Message}", request.Transport, DsnAction: "delayed"));
            return new DeliveryResult(results);
        }
        var delivery = new LocalDelivery(this, request, message);
        foreach (var r in request.Recipients)
        {
            try
            {
                var result = await delivery.DeliverAsync(r, cancellationToken);
                results.Add(result);
                // Marked done in the queue file at once, so a crash later in the request does not repeat it.
                if (result.Outcome != DeliveryOutcome.Deferred)
                    request.RecipientDone?.Invoke(result);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or FormatException)
            {
                // A delivery agent never throws for one recipient's problem: defer it and say why.
                Log.Warning(ProcessName, $"{request.QueueId}: {r.Address}: {e.Message}");
                results.Add(new RecipientResult(r, DeliveryOutcome.Deferred, "4.3.0", $"local delivery failed: {e.Message}", request.Transport, DsnAction: "delayed"));
            }
        }
        return new DeliveryResult(results);
    }

    internal IMailSubmitter? FindSubmitter() =>
        Submitter ?? (_directory is not null && _directory.TryFind<IMailSubmitter>("cleanup", out var s) ? s : null);

    internal TableList AliasMaps() =>
        _aliasMaps ??= TableList.FromParameter("alias_maps", Settings.Config, m => Log.Warning(ProcessName, m));

    /// <summary>
    /// The rights alias commands and files run with: the owner of the alias database file, or
    /// null (default_privs) when root owns it or the table has no file (DICT_OWNER_TRUSTED).
    /// </summary>
    internal LocalUser? AliasOwner(ILookupTable table)
    {
        var file = FreshTable.BackingFile(table.Type + ":" + table.Name);
        if (file is null || FileOwner.Get(file, follow: true) is not { } st || st.Uid == 0)
            return null;
        return Users.FindByUid(st.Uid);
    }

    /// <summary>The default_privs account: what runs commands and writes files when no other owner applies.</summary>
    internal LocalUser? DefaultPrivs() => Users.Find(Settings.DefaultPrivs);

    /// <summary>The account a delivery runs as: <paramref name="rights"/> unless absent or root, then default_privs.</summary>
    internal LocalUser? RunAs(LocalUser? rights) => rights is { Uid: not 0 } ? rights : DefaultPrivs();

    /// <summary>
    /// The privsep helper (docs/design.md) when the master started as root and then dropped
    /// privileges: deliveries then run as the user in <c>posthorn privsep</c>. Null when
    /// this process may deliver itself (it is root, or it is the unprivileged user that runs everything).
    /// </summary>
    internal Privsep.IPrivilegedDelivery? Privileged() =>
        !UnixAccount.IsRoot && _directory is not null && _directory.TryFind<Privsep.IPrivilegedDelivery>("privsep", out var p) ? p : null;

    /// <summary>Sends a mailbox, Maildir, file or command delivery to the privsep helper, as <paramref name="user"/>.</summary>
    internal async Task<StepResult> DeliverAsAsync(Privsep.IPrivilegedDelivery privsep, Privsep.DeliverAsKind kind, LocalUser? user, string target, string sender, byte[] content, CancellationToken cancel,
        Dictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        if (user is null || user.Uid == 0 || user.Gid == 0)
        {
            Log.Warning(ProcessName, $"unknown or privileged default_privs account: {Settings.DefaultPrivs}");
            return StepResult.Defer("4.3.5", "mail system configuration error");
        }
        var (methods, attempts, delay, stale) = Privsep.DeliverAsExecutor.LockFields(MailStore.MailboxLockOptions.FromConfig(Settings.Config));
        var request = new Privsep.DeliverAsRequest(kind, user.Uid, user.Gid, target, sender, methods, attempts, delay, stale,
            environment, CommandRunner.Shell(Settings), Settings.CommandTimeLimit.TotalSeconds, workingDirectory) { Content = content };
        return (await privsep.DeliverAsync(request, cancel)).ToStep();
    }

    /// <summary>An address with <c>@$myorigin</c> appended when it has no domain (canon_addr_internal).</summary>
    internal string Canonical(string address) =>
        address.Contains('@', StringComparison.Ordinal) ? address : address + "@" + Settings.MyOrigin;

    internal bool IsLocalDomain(string domain) => _localDomains.IsLocal(domain);

    /// <summary>
    /// deliver_pass(): hands a recipient to another transport (mailbox_transport,
    /// fallback_transport, "transport:nexthop") through that agent's <see cref="IDeliveryAgent"/>;
    /// its answer is this recipient's result.
    /// </summary>
    internal async Task<StepResult> PassAsync(DeliveryRequest request, LocalState state, string transportSpec, CancellationToken cancel)
    {
        int colon = transportSpec.IndexOf(':', StringComparison.Ordinal);
        var transport = colon < 0 ? transportSpec : transportSpec[..colon];
        var nexthop = colon < 0 ? request.Nexthop : transportSpec[(colon + 1)..];
        if (transport == ProcessName || _directory is null || !_directory.TryFind<IDeliveryAgent>(transport, out var agent))
        {
            Log.Warning(ProcessName, $"mail transport unavailable: {transport}");
            return StepResult.Defer("4.3.0", "mail transport unavailable");
        }
        var single = request with
        {
            Transport = transport,
            Nexthop = nexthop,
            Recipients = [state.Recipient with { Address = state.Address }],
        };
        var result = await agent.DeliverAsync(single, cancel);
        var r = result.Recipients.Count > 0 ? result.Recipients[0] : null;
        return r is null ? StepResult.Defer("4.3.0", "mail transport unavailable") : new StepResult(r.Outcome, r.DsnStatus, r.Reason);
    }
}
