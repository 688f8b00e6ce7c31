using System.Text;
using System.Text.Json;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Local;

/// <summary>
/// The built <c>posthorn privsep</c> helper runs <c>posthorn deliver-as</c> under setpriv: the
/// mailbox, Maildir and command output end up owned by the requested user, root is refused,
/// and a target the user may not write is refused by the kernel, not written as root.
/// Meaningful only when the tests run as root (as test.sh does here); otherwise they return early.
/// </summary>
public sealed class PrivsepTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-privsep-" + Guid.NewGuid().ToString("N"));

    public PrivsepTests()
    {
        Directory.CreateDirectory(_dir);
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(_dir, (UnixFileMode)0x1FF);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Request(int kind, string target, string content, int uid = 65534) => JsonSerializer.Serialize(new
    {
        Kind = kind,
        Uid = uid,
        Gid = 65534,
        Target = target,
        Sender = "s@example.org",
        Content = Encoding.UTF8.GetBytes(content),
        LockMethods = new[] { "fcntl", "dotlock" },
        LockAttempts = 2,
        LockDelaySeconds = 1,
        StaleLockSeconds = 500,
        Environment = new Dictionary<string, string> { ["RECIPIENT"] = "x@example.com" },
        Shell = "/bin/sh",
        TimeLimitSeconds = 10,
    });

    private static bool IsRoot => Environment.UserName == "root";

    [Fact]
    public void Privsep_delivers_as_the_requested_user_and_never_as_root()
    {
        if (!IsRoot)
            return;
        var mbox = Path.Combine(_dir, "mbox");
        var idOut = Path.Combine(_dir, "id.out");
        var input = string.Join("\n",
            Request(0, mbox, "Subject: hi\n\nFrom x\n"),
            Request(1, Path.Combine(_dir, "Maildir") + "/", "Subject: md\n\nbody\n"),
            Request(2, $"id -u > {idOut}", "x\n"),
            Request(0, "/etc/posthorn-privsep-must-not-exist", "x\n"),
            Request(0, Path.Combine(_dir, "as-root"), "x\n", uid: 0)) + "\n";
        var r = PosthornBin.Run("posthorn", ["privsep"], input);
        Assert.Equal(0, r.ExitCode);
        var answers = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, answers.Count);
        Assert.Equal("delivered to mailbox", answers[0].GetProperty("Reason").GetString());
        Assert.Equal("delivered to maildir", answers[1].GetProperty("Reason").GetString());
        Assert.Equal("2.0.0", answers[2].GetProperty("Dsn").GetString());
        Assert.Equal("5.2.0", answers[3].GetProperty("Dsn").GetString());
        Assert.Equal("4.3.5", answers[4].GetProperty("Dsn").GetString());
        Assert.StartsWith("From s@example.org  ", File.ReadAllText(mbox), StringComparison.Ordinal);
        Assert.Equal("65534", File.ReadAllText(idOut).Trim());
        Assert.False(File.Exists("/etc/posthorn-privsep-must-not-exist"));
        Assert.False(File.Exists(Path.Combine(_dir, "as-root")));
    }
}
