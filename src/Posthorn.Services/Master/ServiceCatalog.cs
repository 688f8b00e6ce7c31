using System.Collections.Frozen;

namespace Posthorn.Services.Master;

/// <summary>What the catalog knows about a master.cf command.</summary>
public enum ServiceKind
{
    /// <summary>Built and started in-process.</summary>
    Available,

    /// <summary>A Postfix helper daemon whose work is built into the one Posthorn process (anvil, scache, tlsmgr ...): accepted, nothing to start.</summary>
    BuiltIn,

    /// <summary>A Postfix or Posthorn service this build does not have yet: skipped with one warning.</summary>
    NotBuilt,

    /// <summary>No such command: skipped with one warning; postfix check reports it.</summary>
    Unknown,
}

/// <summary>
/// Maps master.cf command names (the 8th column, master(5)) to in-process services. A command
/// may be written as a path (<c>/usr/lib/postfix/sbin/smtpd</c>); its last component counts.
/// Postfix's helper daemons that one memory-safe process does not need (anvil, scache,
/// tlsmgr, proxymap, proxywrite, postlogd, dnsblog, tlsproxy) are <see cref="ServiceKind.BuiltIn"/>:
/// their state lives in the process (see docs/master.md).
/// </summary>
public sealed class ServiceCatalog
{
    /// <summary>
    /// Helper daemons whose job the single process does itself: cleanup and trivial-rewrite are
    /// libraries inside smtpd, pickup and qmgr (which registers the "cleanup" submitter); qmgr
    /// writes bounce, defer and trace notices; postqueue reads the queue itself (showq) and asks
    /// qmgr to flush (flush).
    /// </summary>
    public static FrozenSet<string> BuiltInCommands { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "anvil", "scache", "tlsmgr", "proxymap", "proxywrite", "postlogd", "dnsblog", "tlsproxy",
        "cleanup", "trivial-rewrite", "bounce", "showq", "flush");

    /// <summary>Every command of Postfix 3.7's master.cf and Posthorn's mail-access servers.</summary>
    public static FrozenSet<string> KnownCommands { get; } = FrozenSet.Create(StringComparer.Ordinal,
        "smtpd", "postscreen", "pickup", "cleanup", "qmgr", "oqmgr", "trivial-rewrite", "bounce", "local",
        "virtual", "smtp", "lmtp", "pipe", "error", "discard", "showq", "flush", "verify", "spawn",
        "pop3d", "imapd", "lmtpd",
        "anvil", "scache", "tlsmgr", "proxymap", "proxywrite", "postlogd", "dnsblog", "tlsproxy");

    private readonly FrozenDictionary<string, MailServiceFactory> _factories;

    public ServiceCatalog(IEnumerable<KeyValuePair<string, MailServiceFactory>> factories)
    {
        _factories = factories.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The services of this build (<see cref="ServiceFactories"/>).</summary>
    public static ServiceCatalog Default { get; } = new(ServiceFactories.All);

    /// <summary>The command names this build can start.</summary>
    public IEnumerable<string> AvailableCommands => _factories.Keys;

    /// <summary>The command name of a master.cf command column: its last path component.</summary>
    public static string CommandName(string command)
    {
        int slash = command.LastIndexOf('/');
        return slash >= 0 ? command[(slash + 1)..] : command;
    }

    public ServiceKind Classify(string command)
    {
        var name = CommandName(command);
        if (_factories.ContainsKey(name))
            return ServiceKind.Available;
        if (BuiltInCommands.Contains(name))
            return ServiceKind.BuiltIn;
        return KnownCommands.Contains(name) ? ServiceKind.NotBuilt : ServiceKind.Unknown;
    }

    /// <summary>A new service for the entry, or null when its command is not <see cref="ServiceKind.Available"/>.</summary>
    public IMailService? Create(Core.Config.MasterService entry) =>
        _factories.TryGetValue(CommandName(entry.Command), out var f) ? f(entry) : null;

    /// <summary>The one-line reason a service is skipped, or null when it runs or is built in.</summary>
    public string? SkipReason(Core.Config.MasterService entry) => Classify(entry.Command) switch
    {
        ServiceKind.NotBuilt => $"service {entry.Id}: command {CommandName(entry.Command)} is not available in this Posthorn build; skipped",
        ServiceKind.Unknown => $"service {entry.Id}: unknown command {CommandName(entry.Command)}; skipped",
        _ => null,
    };
}
