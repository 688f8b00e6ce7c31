using Posthorn.Core.Logging;

namespace Posthorn.Core.Tests.Logging;

public sealed class MailLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posthorn-log-").FullName;

    private string LogPath => Path.Combine(_dir, "maillog");

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly int Pid = Environment.ProcessId;

    [Fact]
    public void File_line_is_postlogd_format_with_the_first_host_label()
    {
        using var log = new MailLog("posthorn", "mail.example.com", null, false);
        Assert.Equal($"Nov 04 09:05:03 mail posthorn/smtpd[{Pid}]: connect from localhost[127.0.0.1]",
            log.Format("smtpd", "connect from localhost[127.0.0.1]", new DateTime(2026, 11, 4, 9, 5, 3)));
    }

    [Fact]
    public void Day_of_month_is_two_digits_as_strftime_d() =>
        Assert.Equal("Jan 01 00:00:00", MailLog.FormatTime(new DateTime(2026, 1, 1)));

    [Fact]
    public void Stderr_record_has_no_time_or_host()
    {
        using var log = new MailLog("posthorn", "mail.example.com", null, false);
        Assert.Equal($"posthorn/master[{Pid}]: daemon started", log.FormatRecord("master", "daemon started"));
    }

    [Fact]
    public void Severities_carry_postfix_prefixes()
    {
        using (var log = new MailLog("posthorn", "h.example", LogPath, false))
        {
            log.Info("smtpd", "one");
            log.Warning("smtpd", "two");
            log.Error("smtpd", "three");
            log.Fatal("smtpd", "four");
            log.Panic("smtpd", "five");
        }
        var records = File.ReadAllLines(LogPath).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..]).ToArray();
        Assert.Equal(["one", "warning: two", "error: three", "fatal: four", "panic: five"], records);
    }

    [Fact]
    public void Fatal_returns_after_the_line_is_on_disk()
    {
        using var log = new MailLog("posthorn", "h", LogPath, false);
        log.Fatal("master", "bind 0.0.0.0 port 25: Address already in use");
        Assert.EndsWith("fatal: bind 0.0.0.0 port 25: Address already in use\n", File.ReadAllText(LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public void No_line_is_lost_when_many_threads_log_and_the_log_is_disposed()
    {
        var log = new MailLog("posthorn", "h", LogPath, false);
        Parallel.For(0, 4, t =>
        {
            for (int i = 0; i < 5000; i++)
                log.Info("smtpd", $"thread {t} line {i}");
        });
        log.Dispose();
        var lines = File.ReadAllLines(LogPath);
        Assert.Equal(20000, lines.Length);
        Assert.All(lines, l => Assert.Contains(" posthorn/smtpd[", l, StringComparison.Ordinal));
    }

    [Fact]
    public void Syslog_name_view_shares_the_file()
    {
        using (var log = new MailLog("posthorn", "h", LogPath, false))
        {
            log.WithSyslogName("posthorn/submission").Info("smtpd", "connect");
            log.Info("smtpd", "connect");
        }
        var lines = File.ReadAllLines(LogPath);
        Assert.Contains($" posthorn/submission/smtpd[{Pid}]: connect", lines[0], StringComparison.Ordinal);
        Assert.Contains($" posthorn/smtpd[{Pid}]: connect", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Appends_to_an_existing_file()
    {
        File.WriteAllText(LogPath, "old line\n");
        using (var log = new MailLog("posthorn", "h", LogPath, false))
            log.Info("master", "new");
        Assert.Equal("old line", File.ReadAllLines(LogPath)[0]);
        Assert.EndsWith("new", File.ReadAllLines(LogPath)[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Null_log_writes_nothing() => MailLog.Null.Info("x", "y");

    [Fact]
    public void Reopen_after_rotation_writes_to_the_new_file()
    {
        using var log = new MailLog("posthorn", "h", LogPath, false);
        log.Info("master", "before");
        log.Flush();
        File.Move(LogPath, LogPath + ".1");
        log.Info("master", "still old");
        log.Reopen(LogPath);
        log.Info("master", "after");
        log.Flush();
        Assert.EndsWith("still old", File.ReadAllLines(LogPath + ".1")[1], StringComparison.Ordinal);
        Assert.EndsWith("after", Assert.Single(File.ReadAllLines(LogPath)), StringComparison.Ordinal);
    }

    [Fact]
    public void Reopen_of_the_same_unrotated_file_keeps_it_open()
    {
        using var log = new MailLog("posthorn", "h", LogPath, false);
        log.Info("master", "one");
        log.Reopen(LogPath);
        File.Delete(LogPath + ".x");
        log.Info("master", "two");
        log.Flush();
        Assert.Equal(2, File.ReadAllLines(LogPath).Length);
    }

    [Fact]
    public void Syslog_datagram_has_priority_time_and_record() =>
        Assert.Equal("<20>Nov 04 09:05:03 posthorn/smtpd[7]: warning: x",
            SyslogSink.Format(SyslogTarget.FacilityOf("mail"), SyslogSink.Warning, new DateTime(2026, 11, 4, 9, 5, 3), "posthorn/smtpd[7]: warning: x"));

    [Theory]
    [InlineData("mail", 2)]
    [InlineData("daemon", 3)]
    [InlineData("local0", 16)]
    [InlineData("local7", 23)]
    public void Syslog_facility_names_map_to_codes(string name, int code) => Assert.Equal(code, SyslogTarget.FacilityOf(name));

    [Fact]
    public void Records_reach_a_syslog_socket()
    {
        var path = Path.Combine(_dir, "log.sock");
        using var server = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        server.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        using (var log = new MailLog("posthorn", "h", null, false, new SyslogTarget(path, 2)))
            log.Error("qmgr", "trouble");
        var buffer = new byte[512];
        server.ReceiveTimeout = 5000;
        int n = server.Receive(buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
        Assert.StartsWith("<19>", text, StringComparison.Ordinal);
        Assert.EndsWith($" posthorn/qmgr[{Pid}]: error: trouble", text, StringComparison.Ordinal);
    }
}
