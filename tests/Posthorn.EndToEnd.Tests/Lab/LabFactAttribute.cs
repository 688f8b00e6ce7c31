using System.Diagnostics;

namespace Posthorn.EndToEnd.Tests.Lab;

/// <summary>
/// A fact about the lecture's lab (examples/lab): it needs root, network namespaces
/// (`ip netns add`), Debian's dnsmasq and the built out/bin. Where one is missing the test is
/// reported as skipped with the reason, never silently passed.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        if (LabEnvironment.Unavailable is { } why)
            Skip = why;
    }
}

/// <summary>Whether this machine can build the lab, and if not, why (checked once).</summary>
public static class LabEnvironment
{
    private static readonly Lazy<string?> Reason = new(Check);

    /// <summary>Null when the lab can run; otherwise the reason it cannot.</summary>
    public static string? Unavailable => Reason.Value;

    private static string? Check()
    {
        if (!OperatingSystem.IsLinux())
            return "the lab needs Linux network namespaces";
        if (Environment.UserName != "root")
            return "the lab needs root (network namespaces); test.sh runs as root on CI";
        if (!File.Exists("/usr/sbin/dnsmasq") && !File.Exists("/usr/bin/dnsmasq"))
            return "dnsmasq is not installed (test.sh installs it)";
        if (!File.Exists(LabFixture.Script))
            return "examples/lab/lab.sh not found";
        if (!File.Exists(Support.PosthornBin.PathOf("postfix")))
            return "out/bin/postfix not found: run ./build.sh";
        var probe = $"phlt{Environment.ProcessId}-probe";
        var add = Run("ip", "netns", "add", probe);
        if (add is null || add.Value.Code != 0)
            return "network namespaces are not available (`ip netns add` failed: " + (add?.Output.Trim() ?? "no ip command") + ")";
        var exec = Run("ip", "netns", "exec", probe, "true");
        Run("ip", "netns", "del", probe);
        if (exec is null || exec.Value.Code != 0)
            return "`ip netns exec` does not work here (" + (exec?.Output.Trim() ?? "") + ")";
        return null;
    }

    private static (int Code, string Output)? Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000))
            {
                p.Kill(true);
                return (-1, "timed out");
            }
            return (p.ExitCode, output + err.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
