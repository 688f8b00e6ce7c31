using System.Runtime.InteropServices;
using System.Threading.Channels;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;

namespace Posthorn.Services.Master;

/// <summary>How the master runs: its configuration directory and where it logs.</summary>
/// <param name="ConfigDirectory">Where main.cf and master.cf are.</param>
/// <param name="LogToStderr">Also log to stderr (<c>postfix start-fg</c>, master -s).</param>
public sealed record MasterOptions(string ConfigDirectory, bool LogToStderr);

/// <summary>
/// The master process (master(8)): reads main.cf and master.cf, creates the queue directory
/// tree, takes the pid file lock, binds the inet services' listeners, gives up root for
/// mail_owner, starts every master.cf service in-process and then waits for signals: SIGHUP
/// re-reads the configuration (postfix reload) keeping unchanged listeners open; SIGTERM and
/// SIGINT stop the services and exit (postfix stop); SIGQUIT exits at once (postfix abort).
/// Logs "daemon started", "reload" and "terminating on signal N" as Postfix's master does.
/// </summary>
public sealed class MasterDaemon
{
    private const string Me = "master";
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(4);

    private readonly MasterOptions _options;
    private readonly ServiceCatalog _catalog;
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly ServiceDirectory _directory = new();

    public MasterDaemon(MasterOptions options, ServiceCatalog? catalog = null)
    {
        _options = options;
        _catalog = catalog ?? ServiceCatalog.Default;
    }

    /// <summary>
    /// Runs until stopped. <paramref name="ready"/> is called once the services run;
    /// problems before that are written to <paramref name="stderr"/> as
    /// <c>posthorn/master: fatal: ...</c> and give exit status 1.
    /// </summary>
    public int Run(TextWriter stderr, Action? ready)
    {
        MainConfig main;
        MasterCfFile master;
        string queueDirectory;
        UnixAccount? owner;
        try
        {
            main = MainConfig.Load(_options.ConfigDirectory);
            master = MasterCfFile.Load(Path.Combine(_options.ConfigDirectory, "master.cf"));
            ImportEnvironment.Apply(main, _options.ConfigDirectory);
            // As Postfix's master.c: files the mail system makes (mailboxes, Maildirs, what an
            // alias command writes) are private unless a mode is set explicitly.
            _ = Libc.umask(Convert.ToInt32("077", 8)); // umask never fails; the old mask is not needed
            queueDirectory = QueueDirectories.Of(main);
            owner = Privileges.MailOwner(main);
            QueueDirectories.Create(queueDirectory, owner, owner is null ? null : UnixAccount.FindGroup(main.Get("setgid_group")));
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"posthorn/{Me}: fatal: {e.Message}");
            return 1;
        }

        string tag = main.Get("syslog_name") + "/" + Me;
        var pidPath = PidFile.PathFor(queueDirectory, main.Get("process_id_directory"));
        PidFile? pid;
        MailLog log;
        try
        {
            pid = PidFile.TryAcquire(pidPath, Environment.ProcessId);
            if (pid is null)
            {
                stderr.WriteLine($"{tag}: fatal: open lock file {pidPath}: unable to set exclusive lock: Resource temporarily unavailable");
                return 1;
            }
            log = MailLog.FromConfig(main, _options.LogToStderr);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{tag}: fatal: {e.Message}");
            return 1;
        }

        using (pid)
        using (log)
        {
            Environment.CurrentDirectory = queueDirectory;
            ServiceGeneration generation;
            QmgrTriggerReceiver trigger;
            try
            {
                generation = ServiceGeneration.Prepare(main, master, _catalog, log, null, _reported, strict: true);
                trigger = QmgrTriggerReceiver.Open(queueDirectory, owner, log, _directory);
                if (owner is not null)
                {
                    Privsep.PrivsepClient.Register(_directory, log, main.GetInt("default_process_limit"));
                    Privileges.DropTo(owner);
                }
            }
            catch (Exception e) when (e is ConfigException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                log.Fatal(Me, e.Message);
                stderr.WriteLine($"{tag}: fatal: {e.Message}");
                return 1;
            }

            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
                log.Panic(Me, $"unexpected error: {(e.ExceptionObject as Exception)?.ToString() ?? e.ExceptionObject.ToString()}");
            var signals = Channel.CreateUnbounded<PosixSignal>();
            var registrations = new[] { PosixSignal.SIGHUP, PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }
                .Select(s => PosixSignalRegistration.Create(s, c =>
                {
                    c.Cancel = true;
                    signals.Writer.TryWrite(c.Signal);
                }))
                .ToList();
            try
            {
                log.Info(Me, $"daemon started -- version {main.Get("mail_version")}, configuration {_options.ConfigDirectory}");
                generation.Start(_directory);
                ready?.Invoke();
                generation = WaitForSignals(signals.Reader, generation, log, out int signal);
                log.Info(Me, $"terminating on signal {signal}");
                // postfix abort: exit at once, whatever threads the services still run.
                if (signal == SignalNumber(PosixSignal.SIGQUIT))
                    Environment.Exit(0);
                generation.Stop(StopGrace);
                generation.Listeners.Dispose();
                generation.Dispose();
                trigger.Dispose();
                return 0;
            }
            finally
            {
                foreach (var r in registrations)
                    r.Dispose();
            }
        }
    }

    private ServiceGeneration WaitForSignals(ChannelReader<PosixSignal> signals, ServiceGeneration generation, MailLog log, out int signal)
    {
        while (true)
        {
            var s = signals.ReadAsync().AsTask().GetAwaiter().GetResult();
            if (s != PosixSignal.SIGHUP)
            {
                signal = SignalNumber(s);
                return generation;
            }
            generation = Reload(generation, log);
        }
    }

    /// <summary>
    /// postfix reload: re-reads both files; on an error the running services stay as they
    /// are. Listeners whose address is unchanged pass to the new generation still open.
    /// </summary>
    private ServiceGeneration Reload(ServiceGeneration current, MailLog log)
    {
        ServiceGeneration next;
        MainConfig main;
        try
        {
            main = MainConfig.Load(_options.ConfigDirectory);
            var master = MasterCfFile.Load(Path.Combine(_options.ConfigDirectory, "master.cf"));
            next = ServiceGeneration.Prepare(main, master, _catalog, log, current.Listeners, _reported, strict: false);
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            log.Error(Me, $"{e.Message}; the configuration is not reloaded");
            return current;
        }
        try
        {
            log.Reopen(main.Get("maillog_file"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error(Me, $"{e.Message}; logging to the old maillog_file");
        }
        log.Info(Me, $"reload -- version {main.Get("mail_version")}, configuration {_options.ConfigDirectory}");
        current.Stop(StopGrace);
        current.Listeners.Dispose();
        current.Dispose();
        next.Start(_directory);
        return next;
    }

    /// <summary>Linux signal numbers, for the log and for kill(2).</summary>
    public static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        PosixSignal.SIGTERM => 15,
        _ => 0,
    };
}
