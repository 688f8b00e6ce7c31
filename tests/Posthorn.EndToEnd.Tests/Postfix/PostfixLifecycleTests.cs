using System.Diagnostics;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Postfix;

/// <summary>postfix start, status, reload, stop, abort, flush and check, run from out/bin on temporary mail systems.</summary>
public class PostfixLifecycleTests
{
    private static void StartStatusReloadStop(MailSystem ms, int expectedUid)
    {
        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr);
        Assert.Contains("posthorn/postfix-script: starting the Posthorn mail system", start.Stderr, StringComparison.Ordinal);

        var pid = ms.MasterPid();
        Assert.NotNull(pid);
        Assert.Equal(33, File.ReadAllText(ms.PidPath).Length);
        Assert.Equal(expectedUid, MailSystem.UidOf(pid.Value));

        var status = ms.Postfix("status");
        Assert.Equal(0, status.ExitCode);
        Assert.Equal($"posthorn/postfix-script: the Posthorn mail system is running: PID: {pid}\n", status.Stderr);
        Assert.StartsWith("220 ", ms.Banner(), StringComparison.Ordinal);

        var reload = ms.Postfix("reload");
        Assert.Equal(0, reload.ExitCode);
        Assert.Contains("refreshing the Posthorn mail system", reload.Stderr, StringComparison.Ordinal);
        Assert.True(ms.WaitForLog("posthorn/master[" + pid + "]: reload -- version"), ms.Log);
        Assert.StartsWith("220 ", ms.Banner(), StringComparison.Ordinal);

        var stop = ms.Postfix("stop");
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains("stopping the Posthorn mail system", stop.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(ms.PidPath));
        var after = ms.Postfix("status");
        Assert.Equal(1, after.ExitCode);
        Assert.Equal("posthorn/postfix-script: the Posthorn mail system is not running\n", after.Stderr);
        Assert.Contains("terminating on signal 15", ms.Log, StringComparison.Ordinal);
        Assert.StartsWith("error: ", ms.Banner(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_status_reload_stop_as_the_current_user()
    {
        using var ms = new MailSystem();
        // As root the master gives up root for mail_owner (postfix) once its listeners are bound.
        int uid = MailSystem.IsRoot ? int.Parse(MailSystem.Run("id", ["-u", "postfix"]).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture)
                                    : int.Parse(MailSystem.Run("id", ["-u"]).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        StartStatusReloadStop(ms, uid);
    }

    [Fact]
    public void Start_status_reload_stop_as_an_unprivileged_user()
    {
        if (!MailSystem.IsRoot)
            return; // runuser needs root; as a non-root user the test above covers this case.
        using var ms = new MailSystem(runAs: "nobody");
        StartStatusReloadStop(ms, 65534);
    }

    [Fact]
    public void Second_start_refuses_while_running()
    {
        using var ms = new MailSystem();
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var pid = ms.MasterPid();
        var again = ms.Postfix("start");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("posthorn/postfix-script: fatal: the Posthorn mail system is already running", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(pid, ms.MasterPid());
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }

    [Fact]
    public void Stop_and_reload_when_not_running_fail_like_postfix_script()
    {
        using var ms = new MailSystem();
        foreach (var cmd in new[] { "stop", "reload", "abort" })
        {
            var r = ms.Postfix(cmd);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("fatal: the Posthorn mail system is not running", r.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Check_reports_a_malformed_master_cf_line_as_file_and_line()
    {
        using var ms = new MailSystem("# services\nsmtp inet n - y\n");
        var r = ms.Postfix("check");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"fatal: {ms.Dir}/master.cf:2: ", r.Stderr, StringComparison.Ordinal);
        var start = ms.Postfix("start");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("integrity check failed", start.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_passes_a_good_configuration_and_creates_the_queue_tree()
    {
        using var ms = new MailSystem();
        var r = ms.Postfix("check");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(Directory.Exists(Path.Combine(ms.Dir, "queue", "maildrop")));
    }

    [Fact]
    public void Unknown_command_is_skipped_once_and_the_master_keeps_running()
    {
        using var ms = new MailSystem();
        File.AppendAllText(Path.Combine(ms.Dir, "master.cf"), "foo unix - - n - 1 frobnicate\nverify unix - - n - 1 verify\nanvil unix - - n - 1 anvil\n");
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.Equal(0, ms.Postfix("reload").ExitCode);
        Assert.True(ms.WaitForLog("reload -- version"), ms.Log);
        Assert.Equal(0, ms.Postfix("status").ExitCode);
        Assert.StartsWith("220 ", ms.Banner(), StringComparison.Ordinal);
        var log = ms.Log;
        Assert.Equal(1, MailSystem.Count(log, "service foo/unix: unknown command frobnicate; skipped"));
        Assert.Equal(1, MailSystem.Count(log, "command verify is not available in this Posthorn build; skipped"));
        Assert.DoesNotContain("anvil", log, StringComparison.Ordinal);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }

    [Fact]
    public async Task Reload_keeps_the_inet_listener_open_and_accepting()
    {
        using var ms = new MailSystem();
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var inode = ms.ListenerInode();
        Assert.NotNull(inode);
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        int served = 0;
        var clients = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var b = ms.Banner();
                if (b.StartsWith("220 ", StringComparison.Ordinal))
                    served++;
                else
                    failures.Add(b);
            }
        });
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, ms.Postfix("reload").ExitCode);
            Thread.Sleep(200);
        }
        Assert.True(ms.WaitForLog("reload -- version"));
        Thread.Sleep(300);
        await stop.CancelAsync();
        await clients;
        Assert.Empty(failures);
        Assert.True(served > 0);
        Assert.Equal(inode, ms.ListenerInode());
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }

    [Fact]
    public void Flush_reaches_the_running_master_and_fails_when_it_is_down()
    {
        using var ms = new MailSystem();
        var noQueue = ms.Postfix("flush");
        Assert.Equal(1, noQueue.ExitCode);
        Assert.Contains("fatal: no Posthorn queue directory", noQueue.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, ms.Postfix("check").ExitCode);
        var down = ms.Postfix("flush");
        Assert.Equal(69, down.ExitCode);
        Assert.Contains("mail system is down", down.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.Equal(0, ms.Postfix("flush").ExitCode);
        Assert.True(ms.WaitForLog("trigger request \"FA\" on public/qmgr"), ms.Log);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }

    [Fact]
    public void Abort_stops_the_master()
    {
        using var ms = new MailSystem();
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var r = ms.Postfix("abort");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("aborting the Posthorn mail system", r.Stderr, StringComparison.Ordinal);
        for (int i = 0; i < 300 && ms.Postfix("status").ExitCode == 0; i++)
            Thread.Sleep(100);
        Assert.Equal(1, ms.Postfix("status").ExitCode);
    }

    [Fact]
    public void Start_fg_runs_in_the_foreground_logging_to_stderr()
    {
        using var ms = new MailSystem();
        var psi = new ProcessStartInfo(PosthornBin.PathOf("postfix")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", ms.Dir, "start-fg" })
            psi.ArgumentList.Add(a);
        using var fg = Process.Start(psi)!;
        var stderr = new System.Text.StringBuilder();
        fg.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
                stderr.AppendLine(e.Data);
        };
        fg.BeginErrorReadLine();
        Assert.True(ms.WaitForLog("daemon started"), ms.Log);
        Assert.Equal(0, ms.Postfix("status").ExitCode);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
        Assert.True(fg.WaitForExit(10_000));
        fg.WaitForExit();
        Assert.Equal(0, fg.ExitCode);
        lock (stderr)
            Assert.Contains($"posthorn/master[{fg.Id}]: daemon started -- version", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_postfix_command_is_fatal()
    {
        using var ms = new MailSystem();
        var r = ms.Postfix("frobnicate");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("fatal: unknown command: 'frobnicate'", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_mail_owner_is_a_clear_fatal_error_as_root()
    {
        if (!MailSystem.IsRoot)
            return; // mail_owner matters only to a master started as root.
        using var ms = new MailSystem(extraMainCf: "mail_owner = posthorn-no-such-user\n");
        var expected = $"fatal: file {ms.Dir}/main.cf: parameter mail_owner: unknown user name value: posthorn-no-such-user";
        var start = ms.Postfix("start");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains(expected, start.Stderr, StringComparison.Ordinal);
        var master = PosthornBin.Run("posthorn", ["master", "-c", ms.Dir]);
        Assert.Equal(1, master.ExitCode);
        Assert.Contains(expected, master.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_as_mail_owner_is_refused()
    {
        if (!MailSystem.IsRoot)
            return;
        using var ms = new MailSystem(extraMainCf: "mail_owner = root\n");
        var start = ms.Postfix("start");
        Assert.Equal(1, start.ExitCode);
        Assert.Contains("parameter mail_owner: user root has privileged user ID", start.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Log_lines_in_maillog_file_have_postlogd_time_and_host()
    {
        using var ms = new MailSystem(extraMainCf: "myhostname = mail.example.com\n");
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var pid = ms.MasterPid();
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
        var line = ms.Log.Split('\n').First(l => l.Contains("daemon started", StringComparison.Ordinal));
        Assert.Matches($@"^[A-Z][a-z]{{2}} \d\d \d\d:\d\d:\d\d mail posthorn/master\[{pid}\]: daemon started -- version \S+, configuration {ms.Dir}$", line);
    }

    [Fact]
    public void Reload_after_log_rotation_writes_a_new_maillog_file()
    {
        // The master must be able to create the new file: as root it runs as mail_owner, so use an unprivileged user.
        using var ms = new MailSystem(runAs: MailSystem.IsRoot ? "nobody" : null);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        var log = Path.Combine(ms.Dir, "maillog");
        Assert.True(ms.WaitForLog("daemon started"));
        File.Move(log, log + ".1");
        Assert.Equal(0, ms.Postfix("reload").ExitCode);
        Assert.True(ms.WaitForLog("reload -- version"), ms.Log);
        Assert.DoesNotContain("daemon started", ms.Log, StringComparison.Ordinal);
        Assert.Contains("daemon started", File.ReadAllText(log + ".1"), StringComparison.Ordinal);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }

    [Fact]
    public void Help_does_not_list_the_hidden_master_command()
    {
        var r = PosthornBin.Run("posthorn", ["--help"]);
        Assert.Contains("postfix", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("master", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Master_test_option_reports_whether_a_master_runs()
    {
        using var ms = new MailSystem();
        Assert.Equal(0, PosthornBin.Run("posthorn", ["master", "-c", ms.Dir, "-t"]).ExitCode);
        Assert.Equal(0, ms.Postfix("start").ExitCode);
        Assert.Equal(1, PosthornBin.Run("posthorn", ["master", "-c", ms.Dir, "-t"]).ExitCode);
        Assert.Equal(0, ms.Postfix("stop").ExitCode);
    }
}
