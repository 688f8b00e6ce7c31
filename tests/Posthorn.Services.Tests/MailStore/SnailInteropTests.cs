using System.Diagnostics;
using System.Text;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

/// <summary>Our mbox and s-nail (installed by test.sh) read and change the same file.</summary>
public sealed class SnailInteropTests
{
    private static readonly MailboxLockOptions Fast = new([LockMethod.Fcntl, LockMethod.Dotlock], 3, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(500));

    private static string Snail(string mbox, string commands, params string[] args)
    {
        var psi = new ProcessStartInfo("s-nail") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["MAILRC"] = "/dev/null";
        psi.Environment["HOME"] = Path.GetDirectoryName(mbox)!;
        psi.ArgumentList.Add("-n");
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add(mbox);
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(commands);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        return output;
    }

    [Fact]
    public void S_nail_reads_our_mbox_and_its_deletions_keep_our_uids()
    {
        using var d = new TempDir();
        var path = d["alice"];
        var when = new DateTime(2026, 11, 4, 9, 5, 1, DateTimeKind.Local);
        for (int i = 1; i <= 3; i++)
            MboxWriter.Append(path, "bob@example.com", when, new MemoryStream(Encoding.ASCII.GetBytes($"Subject: message {i}\n\nFrom the body of {i}\n")), Fast);

        var headers = Snail(path, "", "-R", "-H");
        Assert.Equal(3, headers.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("message 3", headers, StringComparison.Ordinal);

        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal([1u, 2u, 3u], box.Messages.Select(m => m.Uid));

        Snail(path, "d 1\nq\n", "-#");
        Assert.Equal([2u, 3u], box.Refresh().Select(m => m.Uid));
        Assert.Equal("Subject: message 3\nStatus: O\n\n>From the body of 3\n", new StreamReader(box.OpenMessage(3)!).ReadToEnd());
    }
}
