using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Maps;

/// <summary>
/// Differential check against Debian's Postfix 3.7: the same table files and keys, queried
/// with our <c>postmap -q</c> / <c>postalias -q</c>, must give the answers (exit status and
/// output) that Debian's postmap and postalias gave. The answers are held in
/// Fixtures/expected.txt, recorded by Fixtures/record-expected.sh; when Debian's Postfix is
/// installed, a second test re-asks it so the recording cannot go stale.
/// </summary>
public sealed class DifferentialTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Maps", "Fixtures");

    internal sealed record Answer(string Command, string Map, string Key, int Exit, string Output);

    private static List<Answer> Expected() =>
        File.ReadAllLines(Path.Combine(Fixtures, "expected.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => new Answer(f[0], f[1], f[2], int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), f[4].Replace("\\n", "\n", StringComparison.Ordinal)))
            .ToList();

    /// <summary>Copies the fixtures into a fresh config directory and builds the indexed tables with the given commands.</summary>
    private static TempConfig Prepare(Func<string, IEnumerable<string>, CommandResult> run)
    {
        var cfg = new TempConfig();
        foreach (var f in new[] { "virtual", "access.regexp", "access.pcre", "clients.cidr", "aliases", "mail.sqlite" })
            File.Copy(Path.Combine(Fixtures, f), Path.Combine(cfg.Dir, f));
        File.Copy(Path.Combine(Fixtures, "virtual"), Path.Combine(cfg.Dir, "vbtree"));
        foreach (var f in new[] { "sqlite.cf", "sqlite-parts.cf" })
            File.WriteAllText(Path.Combine(cfg.Dir, f), File.ReadAllText(Path.Combine(Fixtures, f + ".in")).Replace("@DIR@", cfg.Dir, StringComparison.Ordinal));
        foreach (var t in new[] { "hash", "cdb", "lmdb" })
        {
            Assert.Equal(0, run("postmap", ["-c", cfg.Dir, $"{t}:{cfg.Dir}/virtual"]).ExitCode);
            Assert.Equal(0, run("postalias", ["-c", cfg.Dir, $"{t}:{cfg.Dir}/aliases"]).ExitCode);
        }
        Assert.Equal(0, run("postmap", ["-c", cfg.Dir, $"btree:{cfg.Dir}/vbtree"]).ExitCode);
        return cfg;
    }

    private static List<string> Compare(Func<string, IEnumerable<string>, CommandResult> run)
    {
        using var cfg = Prepare(run);
        var problems = new List<string>();
        foreach (var a in Expected())
        {
            var map = a.Map.Replace("@DIR@", cfg.Dir, StringComparison.Ordinal);
            var r = run(a.Command, ["-c", cfg.Dir, "-q", a.Key, map]);
            var got = r.Stdout.EndsWith('\n') ? r.Stdout[..^1] : r.Stdout;
            if (r.ExitCode != a.Exit || got != a.Output)
                problems.Add($"{a.Command} -q '{a.Key}' {a.Map}: expected {a.Exit} '{a.Output}', got {r.ExitCode} '{got}' {r.Stderr.Trim()}");
        }
        return problems;
    }

    [Fact]
    public void Posthorn_answers_as_debian_postfix_37_recorded()
    {
        var problems = Compare((cmd, args) => PosthornBin.Run(cmd, args));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(Expected().Count > 150);
    }

    [Fact]
    public void Recorded_answers_still_match_installed_debian_postfix()
    {
        if (!File.Exists("/usr/sbin/postmap") || !File.Exists("/usr/lib/postfix/postfix-lmdb.so"))
            return; // Debian's Postfix is not installed here; the recorded answers stand.
        var problems = Compare((cmd, args) => Run("/usr/sbin/" + cmd, args));
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static CommandResult Run(string path, IEnumerable<string> args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new CommandResult(p.ExitCode, o.Result, e.Result);
    }
}
