using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Commands.Postfix;

/// <summary>A problem found by <c>postfix check</c>: <c>file:line: message</c> where known.</summary>
internal sealed record CheckProblem(bool Fatal, string Text);

/// <summary>
/// <c>postfix check</c> (postfix(1)): what postfix-script's check-fatal and check-warn do,
/// for Posthorn. Fatal: main.cf or master.cf does not parse, an inet service name is not
/// <c>[host:]port</c>, inet_interfaces or inet_protocols is bad, the queue directory tree is
/// missing and cannot be created (created as "post-install create-missing" does), mail_owner
/// is missing when run as root. Warnings: a master.cf command that Posthorn does not know
/// (the master skips it), with <c>verbose</c> also commands known but not in this build, a
/// maillog_file whose directory does not exist. Table types come from
/// <see cref="PostfixCheckHooks"/>.
/// </summary>
internal static class PostfixCheck
{
    public static List<CheckProblem> Run(string configDirectory, bool verbose, ServiceCatalog? catalog = null)
    {
        catalog ??= ServiceCatalog.Default;
        var problems = new List<CheckProblem>();
        MainConfig main;
        try
        {
            main = MainConfig.Load(configDirectory);
        }
        catch (ConfigException e)
        {
            problems.Add(new(true, e.Message));
            return problems;
        }
        MasterCfFile? master = null;
        try
        {
            master = MasterCfFile.Load(Path.Combine(configDirectory, "master.cf"));
        }
        catch (ConfigException e)
        {
            problems.Add(new(true, e.Message));
        }
        try
        {
            InetAddress.Protocols(main.Get("inet_protocols"));
            if (main.GetList("inet_interfaces").Count == 0)
                problems.Add(new(true, $"{main.MainCfPath}: inet_interfaces: no local interface found"));
        }
        catch (FormatException e)
        {
            problems.Add(new(true, $"{main.MainCfPath}: {e.Message}"));
        }
        if (master is not null)
            problems.AddRange(CheckServices(master, catalog, verbose));
        problems.AddRange(CheckDirectories(main));
        problems.AddRange(PostfixCheckHooks.TableTypes(main, master));
        return problems;
    }

    private static IEnumerable<CheckProblem> CheckServices(MasterCfFile master, ServiceCatalog catalog, bool verbose)
    {
        foreach (var s in master.Services)
        {
            var where = $"{master.Path}:{s.Line}";
            var kind = catalog.Classify(s.Command);
            if (kind == ServiceKind.Unknown)
                yield return new(false, $"{where}: service {s.Id}: unknown command: {ServiceCatalog.CommandName(s.Command)}");
            else if (kind == ServiceKind.NotBuilt && verbose)
                yield return new(false, $"{where}: service {s.Id}: command {ServiceCatalog.CommandName(s.Command)} is not available in this Posthorn build");
            if (s.Type != "inet")
                continue;
            string? bad = null;
            try
            {
                InetAddress.ParseServiceName(s.Name);
            }
            catch (FormatException e)
            {
                bad = e.Message;
            }
            if (bad is not null)
                yield return new(true, $"{where}: service {s.Id}: {bad}");
        }
    }

    private static List<CheckProblem> CheckDirectories(MainConfig main)
    {
        var problems = new List<CheckProblem>();
        try
        {
            var queue = QueueDirectories.Of(main);
            var owner = Privileges.MailOwner(main);
            if (QueueDirectories.Missing(queue).Any())
                QueueDirectories.Create(queue, owner, owner is null ? null : UnixAccount.FindGroup(main.Get("setgid_group")));
        }
        catch (ConfigException e)
        {
            problems.Add(new(true, e.Message));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new(true, $"unable to create missing queue directories: {e.Message}"));
        }
        var logFile = main.Get("maillog_file");
        if (logFile.Length > 0 && !logFile.StartsWith("/dev/", StringComparison.Ordinal)
            && Path.GetDirectoryName(logFile) is { } logDir && !Directory.Exists(logDir))
            problems.Add(new(false, $"{main.MainCfPath}: maillog_file {logFile}: directory {logDir} does not exist"));
        return problems;
    }
}
