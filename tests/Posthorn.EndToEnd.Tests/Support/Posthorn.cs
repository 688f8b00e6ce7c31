using System.Diagnostics;

namespace Posthorn.EndToEnd.Tests.Support;

/// <summary>Runs the built commands in out/bin (POSTHORN_BIN, or found from the repository root).</summary>
public static class PosthornBin
{
    public static string Directory { get; } = Find();

    public static string PathOf(string command) => System.IO.Path.Combine(Directory, command);

    /// <summary>Runs a command, feeding stdin, and returns its exit status and output.</summary>
    public static CommandResult Run(string command, IEnumerable<string> args, string? stdin = null,
        IDictionary<string, string>? env = null, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(PathOf(command))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("MAIL_CONFIG");
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
            p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            throw new TimeoutException($"{command} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        return new CommandResult(p.ExitCode, stdoutTask.Result, stderrTask.Result);
    }

    private static string Find()
    {
        var env = Environment.GetEnvironmentVariable("POSTHORN_BIN");
        if (!string.IsNullOrEmpty(env))
            return env;
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir, "build.sh")))
            dir = System.IO.Path.GetDirectoryName(dir);
        return System.IO.Path.Combine(dir ?? ".", "out", "bin");
    }
}

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A temporary configuration directory with a main.cf, removed on dispose.</summary>
public sealed class TempConfig : IDisposable
{
    public TempConfig(string mainCf = "", string? masterCf = null)
    {
        Dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "posthorn-test-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Dir);
        File.WriteAllText(System.IO.Path.Combine(Dir, "main.cf"), mainCf);
        if (masterCf is not null)
            File.WriteAllText(System.IO.Path.Combine(Dir, "master.cf"), masterCf);
    }

    public string Dir { get; }

    public string MainCf => System.IO.Path.Combine(Dir, "main.cf");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}
