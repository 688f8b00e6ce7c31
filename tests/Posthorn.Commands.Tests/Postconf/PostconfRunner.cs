using Posthorn.Commands.Common;
using Posthorn.Commands.Postconf;

namespace Posthorn.Commands.Tests.Postconf;

/// <summary>Runs postconf in memory against a temporary configuration directory.</summary>
internal sealed class PostconfRunner : IDisposable
{
    public PostconfRunner(string mainCf = "", string? masterCf = null)
    {
        Dir = Path.Combine(Path.GetTempPath(), "posthorn-pc-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        File.WriteAllText(MainCf, mainCf);
        if (masterCf is not null)
            File.WriteAllText(MasterCf, masterCf);
    }

    public string Dir { get; }

    public string MainCf => Path.Combine(Dir, "main.cf");

    public string MasterCf => Path.Combine(Dir, "master.cf");

    public (int Status, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var ctx = new CommandContext("postconf", ["-c", Dir, .. args], TextReader.Null, stdout, stderr);
        int status = PostconfCommand.Run(ctx);
        return (status, stdout.ToString(), stderr.ToString().Replace(Dir, "DIR", StringComparison.Ordinal));
    }

    /// <summary>The repository's root (where build.sh is).</summary>
    public static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "build.sh")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root not found");
    }

    public static string DataFile(string name) =>
        Path.Combine(RepositoryRoot(), "tests", "Posthorn.Commands.Tests", "Postconf", "Data", name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }
}
