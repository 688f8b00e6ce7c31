using System.Diagnostics;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.Master;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// The pipe(8) delivery agent: runs the argv= command of its master.cf entry as the user= user
/// (through setpriv when Posthorn runs as root; directly when it already is that user) with a
/// clean environment (export_environment), writes the message to its standard input with the
/// flags' prepended lines (F From_, R Return-Path:, O X-Original-To:, D Delivered-To:), quoting
/// (&gt; for "From " lines, . for dot-stuffing with a final "." line) and eol= line ends, and
/// maps the result as pipe_command does: exit 0 delivered; a "D.S.N text" first line of output
/// or a sysexits code (EX_TEMPFAIL 75 defers, EX_NOUSER 67 bounces 5.1.1, ...) otherwise; any
/// other status bounces ("Command died with status N"); a signal defers; exceeding
/// TRANSPORT_time_limit (default command_time_limit) kills the command and bounces.
/// </summary>
public sealed class PipeDeliveryAgent : IDeliveryAgent
{
    private const int OutputLimit = 4096;
    private readonly PipeAttributes? _attrs;
    private readonly string? _configError;
    private readonly string _service;
    private readonly MainConfig _config;
    private readonly MailLog _log;
    private readonly TimeSpan _timeLimit;
    private readonly ServiceDirectory? _directory;

    /// <param name="serviceName">the master.cf service name (TRANSPORT in TRANSPORT_time_limit and relay=).</param>
    /// <param name="arguments">the master.cf arguments after "pipe" (-o options removed).</param>
    /// <param name="directory">the master's services, where a root-started master registers "privsep".</param>
    public PipeDeliveryAgent(string serviceName, IReadOnlyList<string> arguments, MainConfig config, MailLog log, ServiceDirectory? directory = null)
        : this(serviceName, arguments, config, log, lookup: null, directory)
    {
    }

    internal PipeDeliveryAgent(string serviceName, IReadOnlyList<string> arguments, MainConfig config, MailLog log, Func<string, UnixAccount?>? lookup, ServiceDirectory? directory = null)
    {
        _directory = directory;
        _service = serviceName;
        _config = config;
        _log = log;
        try
        {
            _attrs = PipeAttributes.Parse(arguments, config, lookup);
        }
        catch (ConfigException e)
        {
            _configError = e.Message;
            log.Error("pipe", $"service {serviceName}: {e.Message}");
        }
        var limitName = serviceName + "_time_limit";
        _timeLimit = config.IsSet(limitName) ? config.GetTime(limitName) : config.GetTime("command_time_limit");
    }

    public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        if (_attrs is null)
            return All(request, DeliveryOutcome.Deferred, "4.3.5", "mail system configuration error");
        var attrs = _attrs;
        if (attrs.SizeLimit > 0 && request.ContentSize > attrs.SizeLimit)
            return All(request, DeliveryOutcome.Bounced, "5.2.3", "message file too big");
        if ((attrs.Has('D') || attrs.Has('O')) && request.Recipients.Count > 1)
        {
            _log.Warning("pipe", $"{request.QueueId}: flag D or O requires {_service}_destination_recipient_limit = 1");
            return All(request, DeliveryOutcome.Deferred, "4.3.5", "mail system configuration error");
        }
        var argv = PipeCommandLine.Expand(attrs.Argv, request, attrs, _config.Get("recipient_delimiter"));
        var psi = StartInfo(argv, attrs);
        if (psi is null && _directory is not null && _directory.TryFind<Privsep.IPrivilegedDelivery>("privsep", out var privsep))
            return await ViaPrivsepAsync(privsep, request, attrs, argv, cancellationToken);
        if (psi is null)
            return All(request, DeliveryOutcome.Deferred, "4.3.0", $"mail system configuration error: cannot run as user {attrs.User} without root privileges");

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return All(request, DeliveryOutcome.Deferred, "4.3.0", $"Command failed: {e.Message}: \"{argv[0]}\"");
        }
        using (process)
        {
            var output = new StringBuilder();
            var readOut = Capture(process.StandardOutput, output);
            var readErr = Capture(process.StandardError, output);
            try
            {
                await WriteMessageAsync(process.StandardInput.BaseStream, request, attrs, cancellationToken);
            }
            catch (IOException)
            {
                // EPIPE: the command did not read all of its input; its exit status decides.
            }
            finally
            {
                try
                {
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                }
            }
            bool timedOut = false;
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (_timeLimit > TimeSpan.Zero)
                    cts.CancelAfter(_timeLimit);
                try
                {
                    await process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = !cancellationToken.IsCancellationRequested;
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
            await Task.WhenAll(readOut, readErr);
            var text = Printable(output.ToString());
            var outcome = PipeExitStatus.Evaluate(timedOut, process.ExitCode, text, argv[0], _service, attrs.Has('X'));
            return new DeliveryResult(request.Recipients.Select(r => new RecipientResult(r, outcome.Outcome, outcome.Status,
                outcome.Reason, _service, DsnAction: outcome.Action)).ToList());
        }
    }

    /// <summary>The command run by the root privsep helper as user= (master started by root), judged as below.</summary>
    private async Task<DeliveryResult> ViaPrivsepAsync(Privsep.IPrivilegedDelivery privsep, DeliveryRequest request, PipeAttributes attrs,
        IReadOnlyList<string> argv, CancellationToken cancellationToken)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var template = new ProcessStartInfo();
        SetEnvironment(template);
        foreach (var (k, v) in template.Environment)
            if (v is not null)
                env[k] = v;
        using var input = new MemoryStream();
        await WriteMessageAsync(input, request, attrs, cancellationToken);
        var run = await PipeViaPrivsep.RunAsync(privsep, attrs, argv, env, _timeLimit, input.ToArray(), request.Sender, cancellationToken);
        if (!run.Ran)
            return All(request, run.Failure.Outcome, run.Failure.Dsn, run.Failure.Reason);
        var outcome = PipeExitStatus.Evaluate(run.TimedOut, run.ExitStatus, Printable(run.Output), argv[0], _service, attrs.Has('X'));
        return new DeliveryResult(request.Recipients.Select(r => new RecipientResult(r, outcome.Outcome, outcome.Status,
            outcome.Reason, _service, DsnAction: outcome.Action)).ToList());
    }

    private ProcessStartInfo? StartInfo(IReadOnlyList<string> argv, PipeAttributes attrs)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        uint euid = Libc.geteuid();
        if (euid == 0)
        {
            psi.FileName = "setpriv";
            psi.ArgumentList.Add($"--reuid={attrs.Uid}");
            psi.ArgumentList.Add($"--regid={attrs.Gid}");
            psi.ArgumentList.Add("--clear-groups");
            psi.ArgumentList.Add("--");
            foreach (var a in argv)
                psi.ArgumentList.Add(a);
        }
        else if (euid == attrs.Uid)
        {
            psi.FileName = argv[0];
            foreach (var a in argv.Skip(1))
                psi.ArgumentList.Add(a);
        }
        else
        {
            return null;
        }
        if (attrs.Directory is not null)
            psi.WorkingDirectory = attrs.Directory;
        SetEnvironment(psi);
        return psi;
    }

    /// <summary>The command's clean environment: export_environment and PATH=/usr/bin:/bin.</summary>
    private void SetEnvironment(ProcessStartInfo psi)
    {
        var keep = _config.GetList("export_environment")
            .Select(e => e.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : Environment.GetEnvironmentVariable(p[0]), StringComparer.Ordinal);
        psi.Environment.Clear();
        foreach (var (k, v) in keep)
            if (v is not null)
                psi.Environment[k] = v;
        psi.Environment["PATH"] = "/usr/bin:/bin";
    }

    private static async Task Capture(StreamReader reader, StringBuilder output)
    {
        var buffer = new char[1024];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (output)
            {
                if (output.Length < OutputLimit)
                    output.Append(buffer, 0, Math.Min(n, OutputLimit - output.Length));
            }
        }
    }

    /// <summary>Tabs and newlines become spaces, other control characters "_", as pipe_command does.</summary>
    private static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
            sb.Append(c is '\t' or '\n' or '\r' ? ' ' : char.IsControl(c) ? '_' : c);
        return sb.ToString().Trim();
    }

    private static async Task WriteMessageAsync(Stream stdin, DeliveryRequest request, PipeAttributes attrs, CancellationToken ct)
    {
        var writer = new PipeContentWriter(attrs);
        var head = writer.Prepend(request);
        await stdin.WriteAsync(head, ct);
        await using var content = request.OpenContent();
        var buffer = new byte[65536];
        int n;
        while ((n = await content.ReadAsync(buffer, ct)) > 0)
            await stdin.WriteAsync(writer.Convert(buffer.AsSpan(0, n)), ct);
        await stdin.WriteAsync(writer.Finish(), ct);
        await stdin.FlushAsync(ct);
    }

    private DeliveryResult All(DeliveryRequest request, DeliveryOutcome outcome, string status, string reason) =>
        new(request.Recipients.Select(r => new RecipientResult(r, outcome, status, reason, _service,
            DsnAction: outcome == DeliveryOutcome.Bounced ? "failed" : "delayed")).ToList());
}
