using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>
/// Runs a delivery command the way Postfix's pipe_command() does for local(8): the shell
/// (<c>/bin/sh -c</c>, or local_command_shell) with a cleared environment holding only the
/// export_environment variables and the given ones, the message on standard input, standard
/// output and error collected (the first 4096 bytes, tabs and newlines as spaces, other
/// non-printable characters as '_') for the reason text, and command_time_limit enforced by
/// killing the process tree. The exit status decides: 0 delivered; output starting with a
/// "D.S.N text" status uses that; a sysexits.h code maps per <see cref="SysExits"/>
/// (EX_TEMPFAIL defers); other codes bounce with 5.3.0; death by a signal defers; the time
/// limit bounces. When this process is root the command runs under
/// <c>setpriv --reuid U --regid G --clear-groups</c> as the given account, never as root.
/// </summary>
public static partial class CommandRunner
{
    private const int LogBufferSize = 4096;

    /// <summary>The environment a command gets: export_environment, then <paramref name="variables"/> censored by command_expansion_filter.</summary>
    public static Dictionary<string, string> Environment(LocalSettings settings, IReadOnlyDictionary<string, string> variables)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in settings.ExportEnvironment)
        {
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                env[name[..eq]] = name[(eq + 1)..];
            else if (System.Environment.GetEnvironmentVariable(name) is { } v)
                env[name] = v;
        }
        env["PATH"] = "/usr/bin:/bin"; // pipe_command(): the search path is always reset to _PATH_DEFPATH
        foreach (var (k, v) in variables)
            env[k] = Censor(v, settings.CommandFilter);
        return env;
    }

    /// <summary>The shell command line: local_command_shell or /bin/sh.</summary>
    public static string Shell(LocalSettings settings) => settings.CommandShell.Length > 0 ? settings.CommandShell : "/bin/sh";

    /// <summary>
    /// Runs <paramref name="command"/> with exactly <paramref name="environment"/>; under
    /// setpriv as <paramref name="rights"/> when this process is root.
    /// </summary>
    public static async Task<StepResult> RunAsync(
        string command,
        byte[] input,
        IReadOnlyDictionary<string, string> environment,
        string shell,
        TimeSpan timeLimit,
        LocalUser? rights,
        string? workingDirectory,
        CancellationToken cancel)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var shellArgs = SplitShell(shell);
        if (UnixAccount.IsRoot && rights is not null)
        {
            psi.FileName = "setpriv";
            psi.ArgumentList.Add($"--reuid={rights.Uid.ToString(CultureInfo.InvariantCulture)}");
            psi.ArgumentList.Add($"--regid={rights.Gid.ToString(CultureInfo.InvariantCulture)}");
            psi.ArgumentList.Add("--clear-groups");
            psi.ArgumentList.Add("--");
            foreach (var a in shellArgs)
                psi.ArgumentList.Add(a);
        }
        else
        {
            psi.FileName = shellArgs[0];
            foreach (var a in shellArgs.Skip(1))
                psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        psi.Environment.Clear();
        foreach (var (k, v) in environment)
            psi.Environment[k] = v;
        if (!string.IsNullOrEmpty(workingDirectory))
            psi.WorkingDirectory = workingDirectory;

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return StepResult.Defer("4.3.0", $"system resource problem: {e.Message}");
        }
        using (process)
        {
            var output = new LogBuffer();
            var readOut = output.ReadAsync(process.StandardOutput.BaseStream);
            var readErr = output.ReadAsync(process.StandardError.BaseStream);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(timeLimit > TimeSpan.Zero ? timeLimit : Timeout.InfiniteTimeSpan);
            bool timedOut = false;
            try
            {
                try
                {
                    await process.StandardInput.BaseStream.WriteAsync(input, timeout.Token);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The command stopped reading (EPIPE): not an error, as in Postfix.
                }
                await process.WaitForExitAsync(timeout.Token);
                await Task.WhenAll(readOut, readErr).WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = !cancel.IsCancellationRequested;
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
                if (!timedOut)
                    return StepResult.Defer("4.3.0", "delivery interrupted");
            }
            var log = output.Text();
            var withOutput = log.Length > 0 ? ". Command output: " + log : "";
            if (timedOut)
                return StepResult.Bounce("5.3.0", $"Command time limit exceeded: \"{command}\"{withOutput}");
            int status = process.ExitCode;
            if (status == 0)
                return StepResult.Sent(log);
            if (status > 128 && status < 128 + 65)
                return StepResult.Defer("4.3.0", $"Command died with signal {status - 128}: \"{command}\"{withOutput}");
            var m = DsnText().Match(log);
            if (m.Success)
                return StepResult.Failed(m.Groups[1].Value, m.Groups[2].Value);
            var (dsn, text) = SysExits.Detail(status);
            if (text is not null)
                return StepResult.Failed(dsn, text + withOutput);
            return StepResult.Bounce(dsn, $"Command died with status {status.ToString(CultureInfo.InvariantCulture)}: \"{command}\"{withOutput}");
        }
    }

    /// <summary>Replaces characters outside <paramref name="allowed"/> with '_' (command_expansion_filter).</summary>
    public static string Censor(string value, string allowed)
    {
        if (allowed.Length == 0)
            return value;
        var chars = value.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!allowed.Contains(chars[i], StringComparison.Ordinal))
                chars[i] = '_';
        }
        return new string(chars);
    }

    private static string[] SplitShell(string shell) =>
        shell.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^([245]\.\d{1,3}\.\d{1,3})(?:\s+(.*))?$", RegexOptions.Singleline)]
    private static partial Regex DsnText();

    /// <summary>The first 4096 bytes the command wrote on either stream, made printable as Postfix does.</summary>
    private sealed class LogBuffer
    {
        private readonly Lock _gate = new();
        private readonly List<byte> _bytes = [];

        public async Task ReadAsync(Stream s)
        {
            var buf = new byte[4096];
            int n;
            while ((n = await s.ReadAsync(buf)) > 0)
            {
                lock (_gate)
                {
                    int room = LogBufferSize - _bytes.Count;
                    if (room > 0)
                        _bytes.AddRange(buf.AsSpan(0, Math.Min(room, n)));
                }
            }
        }

        public string Text()
        {
            string s;
            lock (_gate)
                s = Encoding.UTF8.GetString([.. _bytes]);
            var sb = new StringBuilder(s.Length);
            foreach (var c in s)
            {
                if (c is '\t' or '\n')
                    sb.Append(' ');
                else if (char.IsControl(c))
                    sb.Append('_');
                else
                    sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
