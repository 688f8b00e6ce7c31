using System.Diagnostics;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// The whole path in one running Posthorn: swaks → smtpd → qmgr → virtual → Maildir, and the
/// log it leaves summarised by Debian's pflogsumm (issue "Delivery", item 7).
/// </summary>
public sealed class MailPathEndToEndTests
{
    [Fact]
    public void Smtp_to_virtual_maildir_and_pflogsumm_counts_it()
    {
        int port = MailSystem.FreePort();
        var master = $"""
            {port} inet n - n - - smtpd
            qmgr unix n - n 300 1 qmgr
            virtual unix - n n - - virtual
            """ + "\n";
        using var ms = new MailSystem(master);
        var owner = MailSystem.IsRoot ? "postfix" : Environment.UserName;
        var uid = MailSystem.Run("id", ["-u", owner]).Stdout.Trim();
        var vmail = Path.Combine(ms.Dir, "vmail");
        Directory.CreateDirectory(vmail);
        File.WriteAllText(Path.Combine(ms.Dir, "vmailbox"), "alice@virt.test virt.test/alice/\n");
        File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"""
            myhostname = mail.example.test
            mydestination = localhost
            mynetworks = 127.0.0.0/8
            compatibility_level = 3.6
            virtual_mailbox_domains = virt.test
            virtual_mailbox_base = {vmail}
            virtual_mailbox_maps = texthash:{ms.Dir}/vmailbox
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{uid}
            virtual_minimum_uid = 1
            """ + "\n");
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["-R", owner, vmail]);
        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);

        var swaks = MailSystem.Run("swaks", ["--server", $"127.0.0.1:{port}", "--from", "bob@example.org",
            "--to", "alice@virt.test", "--header", "Subject: the whole path", "--body", "hello"]);
        Assert.True(swaks.ExitCode == 0, swaks.Stdout + swaks.Stderr);

        var newDir = Path.Combine(vmail, "virt.test", "alice", "new");
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30) && !(Directory.Exists(newDir) && Directory.EnumerateFiles(newDir).Any()))
            Thread.Sleep(100);
        Assert.True(Directory.Exists(newDir) && Directory.EnumerateFiles(newDir).Any(), ms.Log);
        var message = File.ReadAllText(Directory.EnumerateFiles(newDir).Single());
        Assert.Contains("Subject: the whole path", message, StringComparison.Ordinal);
        Assert.Contains("Delivered-To: alice@virt.test", message, StringComparison.Ordinal);
        Assert.True(ms.WaitForLog("status=sent (delivered to maildir)"), ms.Log);
        Assert.True(ms.WaitForLog(": removed"), ms.Log);

        if (!File.Exists("/usr/sbin/pflogsumm"))
            return; // test.sh installs pflogsumm; a developer without root may not have it
        var summary = MailSystem.Run("/usr/sbin/pflogsumm", ["--syslog-name=posthorn", Path.Combine(ms.Dir, "maillog")]);
        Assert.Equal(0, summary.ExitCode);
        Assert.Matches(@"\n\s+1\s+received\n", summary.Stdout);
        Assert.Matches(@"\n\s+1\s+delivered\n", summary.Stdout);
        Assert.Matches(@"\n\s+0\s+bounced\n", summary.Stdout);
    }
}
