using System.Diagnostics;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Local;

/// <summary>
/// Deliveries under a master started by root (issue 5 item 3, issue 6 item 3; docs/design.md
/// "Processes and privileges"): the master drops to mail_owner and its root `posthorn privsep`
/// child writes mailboxes as their users, runs alias commands as default_privs and pipe(8)
/// commands as user=. Meaningful only when the tests run as root (as test.sh does on CI);
/// otherwise they return early.
/// </summary>
public sealed class PrivsepTests
{
    private const string Nobody = "65534";

    private static string MasterCf(int port) => $"""
        {port} inet n - n - - smtpd
        qmgr unix n - n 300 1 qmgr
        local unix - n n - - local
        virtual unix - n n - - virtual
        mypipe unix - n n - - pipe
          user=nobody argv=PIPE_SCRIPT ${"{recipient}"}
        """ + "\n";

    private static (MailSystem System, int Port, string Out) Start(string extraMainCf)
    {
        int port = MailSystem.FreePort();
        var ms = new MailSystem(MasterCf(port));
        var outDir = Path.Combine(ms.Dir, "out");
        Directory.CreateDirectory(outDir);
        MailSystem.Run("chmod", ["1777", outDir]);
        var script = Path.Combine(ms.Dir, "pipe.sh");
        File.WriteAllText(script, $"#!/bin/sh\n{{ id -u; cat; }} > {outDir}/pipe.\"$1\"\n");
        MailSystem.Run("chmod", ["755", script]);
        File.WriteAllText(Path.Combine(ms.Dir, "master.cf"), File.ReadAllText(Path.Combine(ms.Dir, "master.cf")).Replace("PIPE_SCRIPT", script, StringComparison.Ordinal));
        File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"""
            myhostname = mail.example.test
            mydestination = localhost
            mynetworks = 127.0.0.0/8
            compatibility_level = 3.6
            relay_domains = pipe.test
            transport_maps = texthash:{ms.Dir}/transport
            """ + "\n" + extraMainCf);
        File.WriteAllText(Path.Combine(ms.Dir, "transport"), "pipe.test mypipe:\n");
        return (ms, port, outDir);
    }

    private static void Send(MailSystem ms, int port, string to, string subject)
    {
        var swaks = MailSystem.Run("swaks", ["--server", $"127.0.0.1:{port}", "--from", "bob@example.org",
            "--to", to, "--header", $"Subject: {subject}", "--body", "hello"]);
        Assert.True(swaks.ExitCode == 0, swaks.Stdout + swaks.Stderr + ms.Log);
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30) && !condition())
            Thread.Sleep(100);
        return condition();
    }

    private static string Owner(string path) => MailSystem.Run("stat", ["-c", "%u:%g", path]).Stdout.Trim();

    [Fact]
    public void Virtual_Maildir_and_mbox_belong_to_the_user_and_an_unwritable_maildir_is_deferred()
    {
        if (!MailSystem.IsRoot)
            return;
        var (ms, port, _) = Start("");
        using (ms)
        {
            var vmailDir = Path.Combine(ms.Dir, "vmail");
            Directory.CreateDirectory(Path.Combine(vmailDir, "virt.test", "closed"));
            MailSystem.Run("chmod", ["1777", vmailDir, Path.Combine(vmailDir, "virt.test")]);
            File.WriteAllText(Path.Combine(ms.Dir, "vmailbox"),
                "alice@virt.test virt.test/alice/\nbob@virt.test virt.test/bob.mbox\nlocked@virt.test virt.test/closed/locked/\n");
            File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"""
                virtual_mailbox_domains = virt.test
                virtual_mailbox_base = {vmailDir}
                virtual_mailbox_maps = texthash:{ms.Dir}/vmailbox
                virtual_uid_maps = static:{Nobody}
                virtual_gid_maps = static:{Nobody}
                virtual_minimum_uid = 100
                """ + "\n");
            var start = ms.Postfix("start");
            Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);

            Send(ms, port, "alice@virt.test", "maildir");
            Send(ms, port, "bob@virt.test", "mbox");
            Send(ms, port, "locked@virt.test", "locked");

            var newDir = Path.Combine(vmailDir, "virt.test", "alice", "new");
            var mbox = Path.Combine(vmailDir, "virt.test", "bob.mbox");
            Assert.True(WaitFor(() => Directory.Exists(newDir) && Directory.EnumerateFiles(newDir).Any() && File.Exists(mbox)), ms.Log);
            Assert.True(ms.WaitForLog("status=deferred (maildir delivery failed"), ms.Log);
            var message = Directory.EnumerateFiles(newDir).Single();
            Assert.Contains("Subject: maildir", File.ReadAllText(message), StringComparison.Ordinal);
            Assert.Equal($"{Nobody}:{Nobody}", Owner(message));
            Assert.Equal($"{Nobody}:{Nobody}", Owner(newDir));
            Assert.Equal($"{Nobody}:{Nobody}", Owner(mbox));
            Assert.StartsWith("From bob@example.org ", File.ReadAllText(mbox), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(vmailDir, "virt.test", "closed")));
            Assert.Contains("maildir access problem for UID/GID=65534/65534", ms.Log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Local_mbox_alias_command_and_pipe_user_run_as_their_users_never_root()
    {
        if (!MailSystem.IsRoot)
            return;
        var (ms, port, outDir) = Start("");
        using (ms)
        {
            var spool = Path.Combine(ms.Dir, "spool");
            Directory.CreateDirectory(spool);
            MailSystem.Run("chmod", ["1777", spool]);
            var aliases = Path.Combine(ms.Dir, "aliases");
            File.WriteAllText(aliases, $"runcmd: \"|id -u > {outDir}/cmd.out\"\n");
            var postalias = PosthornBin.Run("postalias", ["-c", ms.Dir, aliases]);
            Assert.True(postalias.ExitCode == 0, postalias.Stderr);
            File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"""
                alias_maps = hash:{aliases}
                alias_database = hash:{aliases}
                mail_spool_directory = {spool}
                default_privs = nobody
                local_recipient_maps =
                """ + "\n");
            var start = ms.Postfix("start");
            Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);

            Send(ms, port, "nobody@localhost", "to the spool");
            Send(ms, port, "runcmd@localhost", "to a command");
            Send(ms, port, "someone@pipe.test", "to a pipe");

            var mbox = Path.Combine(spool, "nobody");
            var cmdOut = Path.Combine(outDir, "cmd.out");
            var pipeOut = Path.Combine(outDir, "pipe.someone@pipe.test");
            Assert.True(WaitFor(() => File.Exists(mbox) && File.Exists(cmdOut) && File.Exists(pipeOut)), ms.Log);
            Assert.True(ms.WaitForLog("delivered via mypipe service"), ms.Log);
            Assert.Equal($"{Nobody}:{Nobody}", Owner(mbox));
            Assert.Contains("Subject: to the spool", File.ReadAllText(mbox), StringComparison.Ordinal);
            Assert.Equal(Nobody, File.ReadAllText(cmdOut).Trim());
            var piped = File.ReadAllText(pipeOut);
            Assert.StartsWith(Nobody + "\n", piped, StringComparison.Ordinal);
            Assert.Contains("Subject: to a pipe", piped, StringComparison.Ordinal);
            Assert.Equal($"{Nobody}:{Nobody}", Owner(pipeOut));
        }
    }
}
