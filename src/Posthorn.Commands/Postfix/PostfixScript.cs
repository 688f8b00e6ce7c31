using System.Diagnostics;
using Posthorn.Commands.Common;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Master;

namespace Posthorn.Commands.Postfix;

/// <summary>
/// The actions of Postfix's postfix-script, one method each, with its messages and exit
/// statuses: 1 when the mail system is (not) running and should not (should) be, 0 otherwise.
/// </summary>
internal sealed class PostfixScript : IDisposable
{
    private const string Me = "postfix-script";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly CommandContext _ctx;
    private readonly MainConfig _main;
    private readonly bool _verbose;
    private readonly MailLog _log;
    private readonly string _tag;
    private readonly string _system;

    public PostfixScript(CommandContext ctx, MainConfig main, bool verbose)
    {
        _ctx = ctx;
        _main = main;
        _verbose = verbose;
        _tag = main.Get("syslog_name") + "/" + Me;
        _system = $"the {main.Get("mail_name")} mail system";
        _log = OpenLog(main);
    }

    public int Run(string command) => command switch
    {
        "start" => Start(foreground: false),
        "start-fg" => Start(foreground: true),
        "stop" => Stop(),
        "abort" => Abort(),
        "reload" => Reload(),
        "status" => Status(),
        "check" => Check(verbose: true) ? ExitCodes.Ok : ExitCodes.Fatal,
        "flush" => Flush(),
        _ => Fatal($"unknown command: '{command}'. Usage: postfix start (or stop, reload, abort, flush, check, status, start-fg)"),
    };

    private string QueueDirectory => QueueDirectories.Of(_main);

    private string PidPath => PidFile.PathFor(QueueDirectory, _main.Get("process_id_directory"));

    private (bool Running, int? Pid) Probe() => PidFile.Probe(PidPath);

    private int Start(bool foreground)
    {
        if (Probe().Running)
            return Fatal($"{_system} is already running");
        if (!Check(verbose: _verbose))
            return Fatal($"{Capitalized} integrity check failed!");
        Info($"starting {_system}");
        var options = new MasterOptions(_main.ConfigDirectory, LogToStderr: true);
        if (foreground)
        {
            _log.Flush();
            return new MasterDaemon(options).Run(_ctx.Stderr, null);
        }
        return StartDetached() ? ExitCodes.Ok : Fatal("mail system startup failed");
    }

    private string Capitalized => char.ToUpperInvariant(_system[0]) + _system[1..];

    /// <summary>Starts <c>posthorn master -w</c> and waits until it says "ready" or fails.</summary>
    private bool StartDetached()
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "posthorn")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "master", "-c", _main.ConfigDirectory, "-w" })
            psi.ArgumentList.Add(a);
        using var child = Process.Start(psi);
        if (child is null)
            return false;
        child.StandardInput.Close();
        var errors = child.StandardError.ReadToEndAsync();
        var line = child.StandardOutput.ReadLineAsync();
        if (line.Wait(StartTimeout) && line.Result == MasterCommand.ReadyLine)
            return true;
        if (!line.IsCompleted)
        {
            child.Kill();
            _ctx.Stderr.WriteLine($"{_tag}: fatal: the master did not report within {StartTimeout.TotalSeconds:0} seconds");
            return false;
        }
        child.WaitForExit(5000);
        if (errors.Wait(1000))
            _ctx.Stderr.Write(errors.Result);
        return false;
    }

    private int Stop()
    {
        var (running, pid) = Probe();
        if (!running || pid is null)
            return Fatal($"{_system} is not running");
        Info($"stopping {_system}");
        if (ProcessControl.Signal(pid.Value, ProcessControl.SIGTERM) is { } stopFailed)
            return Fatal($"kill {pid}: {stopFailed}");
        for (int i = 0; i < 5; i++)
        {
            for (int j = 0; j < 10; j++)
            {
                if (!Probe().Running)
                {
                    PidFile.RemoveIfStale(PidPath);
                    return ExitCodes.Ok;
                }
                Thread.Sleep(100);
            }
            Info($"waiting for {_system} to terminate");
        }
        Warn($"stopping {_system} with force");
        ProcessControl.Signal(pid.Value, ProcessControl.SIGKILL);
        for (int j = 0; j < 20 && Probe().Running; j++)
            Thread.Sleep(100);
        PidFile.RemoveIfStale(PidPath);
        return ExitCodes.Ok;
    }

    private int Abort()
    {
        var (running, pid) = Probe();
        if (!running || pid is null)
            return Fatal($"{_system} is not running");
        Info($"aborting {_system}");
        return ProcessControl.Signal(pid.Value, ProcessControl.SIGQUIT) is { } failed ? Fatal($"kill {pid}: {failed}") : ExitCodes.Ok;
    }

    private int Reload()
    {
        var (running, pid) = Probe();
        if (!running || pid is null)
            return Fatal($"{_system} is not running");
        Info($"refreshing {_system}");
        return ProcessControl.Signal(pid.Value, ProcessControl.SIGHUP) is { } failed ? Fatal($"kill -HUP {pid}: {failed}") : ExitCodes.Ok;
    }

    private int Status()
    {
        var (running, pid) = Probe();
        if (!running)
        {
            Info($"{_system} is not running");
            return ExitCodes.Fatal;
        }
        Info($"{_system} is running: PID: {pid}");
        return ExitCodes.Ok;
    }

    private int Flush()
    {
        if (!Directory.Exists(QueueDirectory))
            return Fatal($"no {_main.Get("mail_name")} queue directory {QueueDirectory}!");
        if (!QmgrTrigger.Send(QueueDirectory, $"{QmgrTrigger.FlushDead}{QmgrTrigger.ScanAll}"))
            return _ctx.Fatal("Cannot flush mail queue - mail system is down", ExitCodes.Unavailable);
        return ExitCodes.Ok;
    }

    /// <summary>check-fatal and check-warn: prints each problem; false when one is fatal.</summary>
    private bool Check(bool verbose)
    {
        bool ok = true;
        foreach (var p in PostfixCheck.Run(_main.ConfigDirectory, verbose))
        {
            if (p.Fatal)
            {
                ok = false;
                Fatal(p.Text);
            }
            else
            {
                Warn(p.Text);
            }
        }
        return ok;
    }

    private void Info(string message)
    {
        _ctx.Stderr.WriteLine($"{_tag}: {message}");
        _log.Info(Me, message);
        _log.Flush();
    }

    private void Warn(string message)
    {
        _ctx.Stderr.WriteLine($"{_tag}: warning: {message}");
        _log.Warning(Me, message);
        _log.Flush();
    }

    /// <summary>Prints "TAG: fatal: message" and returns 1.</summary>
    public int Fatal(string message)
    {
        _ctx.Stderr.WriteLine($"{_tag}: fatal: {message}");
        _log.Fatal(Me, message);
        return ExitCodes.Fatal;
    }

    private static MailLog OpenLog(MainConfig main)
    {
        try
        {
            return MailLog.FromConfig(main, toStderr: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return MailLog.Null;
        }
    }

    public void Dispose() => _log.Dispose();
}
