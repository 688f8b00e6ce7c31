using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Posthorn.EndToEnd.Tests.Support;

/// <summary>
/// A temporary mail system for end-to-end tests: a config directory with its own queue
/// directory and maillog_file, the diagnostic posthorn-banner service on a free loopback port,
/// and `postfix` run as the current user or, with <c>runAs</c>, as another user through
/// runuser. Disposing stops the master and removes the directory.
/// </summary>
public sealed class MailSystem : IDisposable
{
    /// <summary>
    /// The master.cf lines of the queue services every test mail system needs (pickup, cleanup,
    /// qmgr, trivial-rewrite, bounce/defer/trace), as Postfix's default master.cf has them.
    /// </summary>
    public const string QueueServices = """
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce

        """;

    private readonly TempConfig _config;
    private readonly string? _runAs;

    public MailSystem(string? masterCf = null, string? runAs = null, string extraMainCf = "")
    {
        Port = FreePort();
        _runAs = runAs;
        _config = new TempConfig();
        Dir = _config.Dir;
        File.WriteAllText(Path.Combine(Dir, "main.cf"),
            $"queue_directory = {Dir}/queue\nmaillog_file = {Dir}/maillog\ninet_interfaces = loopback-only\ninet_protocols = ipv4\n" + extraMainCf);
        File.WriteAllText(Path.Combine(Dir, "master.cf"), masterCf ?? $"{Port} inet n - n - - posthorn-banner\n");
        if (runAs is not null)
            Run("chown", ["-R", runAs, Dir]);
    }

    public string Dir { get; }

    public int Port { get; }

    public string PidPath => Path.Combine(Dir, "queue", "pid", "master.pid");

    public string Log => File.Exists(Path.Combine(Dir, "maillog")) ? File.ReadAllText(Path.Combine(Dir, "maillog")) : "";

    /// <summary>Runs `postfix -c DIR args...`.</summary>
    public CommandResult Postfix(params string[] args)
    {
        var all = new List<string> { "-c", Dir };
        all.AddRange(args);
        if (_runAs is null)
            return PosthornBin.Run("postfix", all);
        return Run("runuser", ["-u", _runAs, "--", PosthornBin.PathOf("postfix"), .. all]);
    }

    /// <summary>The pid the master wrote, read as postfix-script's `sed 1q` does.</summary>
    public int? MasterPid()
    {
        if (!File.Exists(PidPath))
            return null;
        var first = File.ReadAllText(PidPath).Split('\n')[0].Trim();
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
    }

    /// <summary>The real uid of a process, from /proc.</summary>
    public static int UidOf(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The banner line the diagnostic service sends, or the error.</summary>
    public string Banner()
    {
        try
        {
            using var client = new TcpClient();
            client.ReceiveTimeout = 5000;
            client.Connect(IPAddress.Loopback, Port);
            using var reader = new StreamReader(client.GetStream());
            return reader.ReadLine() ?? "(closed)";
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return "error: " + e.Message;
        }
    }

    /// <summary>The inode of the socket listening on the port (from /proc/net/tcp), or null.</summary>
    public long? ListenerInode()
    {
        var port = Port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f[1].EndsWith(":" + port, StringComparison.Ordinal) && f[3] == "0A")
                return long.Parse(f[9], CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Waits until the log contains the text (the master logs in the background).</summary>
    public bool WaitForLog(string text, int timeoutMs = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (Log.Contains(text, StringComparison.Ordinal))
                return true;
            Thread.Sleep(50);
        }
        return false;
    }

    public static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            n++;
        return n;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static CommandResult Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("MAIL_CONFIG");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return new CommandResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static bool IsRoot => Environment.UserName == "root";

    public void Dispose()
    {
        if (MasterPid() is { } pid && Postfix("status").ExitCode == 0)
        {
            Postfix("stop");
            if (Postfix("status").ExitCode != 0)
            {
                _config.Dispose();
                return;
            }
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
        _config.Dispose();
    }
}
