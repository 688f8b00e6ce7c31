using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Posthorn.EndToEnd.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Posthorn.EndToEnd.Tests.Lab;

/// <summary>
/// The lecture's lab (examples/lab/lab.sh) built once for the lab tests: its own work
/// directory and namespace prefix, so it never meets a lab a student runs by hand; torn down
/// with `lab.sh down` on dispose, also when a test failed (and by lab.sh's own trap when `up`
/// fails). <see cref="Show"/> writes to the test log as an xunit diagnostic message
/// (xunit.runner.json), so passing runs show it too, as the issue's "Must show" asks.
/// </summary>
public sealed partial class LabFixture : IDisposable
{
    private readonly IMessageSink _sink;
    private readonly Dictionary<string, string> _env;

    public LabFixture(IMessageSink sink)
    {
        _sink = sink;
        Work = Path.Combine(Path.GetTempPath(), "posthorn-labtest-" + Guid.NewGuid().ToString("N")[..12]);
        _env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LAB_DIR"] = Work,
            ["LAB_PREFIX"] = "phlt" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            ["POSTHORN_BIN"] = PosthornBin.Directory,
        };
        if (LabEnvironment.Unavailable is not null)
            return;
        var up = Lab("up");
        if (up.ExitCode != 0)
        {
            Lab("down");
            throw new InvalidOperationException("lab.sh up failed:\n" + up.Stdout + up.Stderr);
        }
        IsUp = true;
    }

    /// <summary>examples/lab/lab.sh of this repository.</summary>
    public static string Script { get; } = Path.Combine(RepositoryRoot(), "examples", "lab", "lab.sh");

    /// <summary>The lab's work directory: one directory per host (configuration, queue, maillog, mailboxes).</summary>
    public string Work { get; }

    public bool IsUp { get; private set; }

    /// <summary>Runs `lab.sh ARGS...` with this lab's environment.</summary>
    public CommandResult Lab(params string[] args) => Run("bash", [Script, .. args], null);

    /// <summary>Runs a command on a lab host (`lab.sh exec HOST ...`), feeding <paramref name="stdin"/>.</summary>
    public CommandResult Exec(string host, string? stdin, params string[] command) =>
        Run("bash", [Script, "exec", host, .. command], stdin);

    /// <summary>Submits a message on a host with its Posthorn sendmail.</summary>
    public void Sendmail(string host, string sender, string recipient, string message)
    {
        var r = Exec(host, message, "sendmail", "-f", sender, "-i", "--", recipient);
        Assert.True(r.ExitCode == 0, $"sendmail on {host}: {r.Stdout}{r.Stderr}");
    }

    /// <summary>A host's Posthorn log.</summary>
    public string Log(string host)
    {
        var path = Path.Combine(Work, host, "maillog");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>Every host's log, for assertion messages.</summary>
    public string AllLogs() =>
        string.Concat(new[] { "server2", "dns-sld", "server1", "dns-stud" }.Select(h => $"\n==== {h}\n{Log(h)}"));

    /// <summary>Waits until the host's log matches <paramref name="pattern"/>; the match, or null.</summary>
    public Match? WaitForLog(string host, string pattern, int timeoutMs = 30_000)
    {
        var re = new Regex(pattern, RegexOptions.Multiline);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var m = re.Match(Log(host));
            if (m.Success)
                return m;
            if (sw.ElapsedMilliseconds > timeoutMs)
                return null;
            Thread.Sleep(100);
        }
    }

    /// <summary>The messages in a Maildir (new and cur) under the host's directory.</summary>
    public IReadOnlyList<string> Mail(string host, string maildir)
    {
        var dir = Path.Combine(Work, host, maildir);
        var found = new List<string>();
        foreach (var sub in new[] { "new", "cur" })
        {
            var d = Path.Combine(dir, sub);
            if (Directory.Exists(d))
                found.AddRange(Directory.EnumerateFiles(d).Select(File.ReadAllText));
        }
        return found;
    }

    /// <summary>Waits for a message containing <paramref name="text"/> in the Maildir; the message, or null.</summary>
    public string? WaitForMail(string host, string maildir, string text, int timeoutMs = 30_000)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var m = Mail(host, maildir).FirstOrDefault(x => x.Contains(text, StringComparison.Ordinal));
            if (m is not null || sw.ElapsedMilliseconds > timeoutMs)
                return m;
            Thread.Sleep(100);
        }
    }

    /// <summary>Writes to the test log (shown also when the test passes).</summary>
    public void Show(string text) => _sink.OnMessage(new DiagnosticMessage(text));

    /// <summary>
    /// Each host's log lines for one message (by its Message-Id) on its way through the lab: the
    /// queue files that carry it on every host, the lines naming them, and the LMTP server's
    /// line for each hand-off — in time order, each line prefixed with its host.
    /// </summary>
    public string Trace(string messageId, IEnumerable<string> hosts)
    {
        var lines = new List<(string Time, int Order, string Text)>();
        int order = 0;
        foreach (var host in hosts)
        {
            var log = Log(host).Split('\n');
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var l in log)
            {
                if (l.Contains("message-id=<" + messageId + ">", StringComparison.Ordinal) && QueueId().Match(l) is { Success: true } q)
                    ids.Add(q.Groups[1].Value);
            }
            foreach (var l in log.Where(l => ids.Any(id => l.Contains(" " + id + ":", StringComparison.Ordinal))))
            {
                foreach (Match saved in LmtpSaved().Matches(l))
                    ids.Add(saved.Groups[1].Value);
                foreach (Match forwarded in Forwarded().Matches(l))
                    ids.Add(forwarded.Groups[1].Value);
            }
            foreach (var l in log)
            {
                if (l.Length > 15 && ids.Any(id => l.Contains(" " + id + ":", StringComparison.Ordinal)))
                    lines.Add((l[..15], order++, $"{host,-9} {l}"));
            }
        }
        var sb = new StringBuilder();
        foreach (var l in lines.OrderBy(l => l.Time, StringComparer.Ordinal).ThenBy(l => l.Order))
            sb.Append("  ").AppendLine(l.Text);
        return sb.ToString();
    }

    public void Dispose()
    {
        if (LabEnvironment.Unavailable is not null)
            return;
        var down = Lab("down");
        IsUp = false;
        if (down.ExitCode != 0)
            Show("lab.sh down failed: " + down.Stdout + down.Stderr);
    }

    [GeneratedRegex(@"\]: ([0-9A-F]{6,}|L[0-9A-F]+): message-id=")]
    private static partial Regex QueueId();

    [GeneratedRegex(@"\s(L[0-9A-F]+) Saved")]
    private static partial Regex LmtpSaved();

    [GeneratedRegex(@"forwarded as ([0-9A-F]{6,})")]
    private static partial Regex Forwarded();

    private CommandResult Run(string file, string[] args, string? stdin)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("MAIL_CONFIG");
        foreach (var (k, v) in _env)
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(90_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "build.sh")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? ".";
    }
}
