using System.Text.Json;
using Posthorn.Commands.Postqueue;
using Posthorn.Commands.Tests.Sendmail;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Tests.Postqueue;

/// <summary>postqueue(1) -p/-j/-f/-s/-i and mailq's layout, on queues built with QueueFileWriter.</summary>
public sealed class PostqueueCommandTests : IDisposable
{
    private readonly QueueTestConfig _q = new();
    private static readonly DateTimeOffset Arrival = new(2026, 11, 5, 9, 3, 1, TimeSpan.Zero);

    public void Dispose() => _q.Dispose();

    private (int Code, string Out, string Err) Postqueue(params string[] args) =>
        QueueTestConfig.Run("postqueue", "", ["-c", _q.Dir, .. args]);

    [Fact]
    public void Empty_queue_says_so()
    {
        Assert.Equal((0, "Mail queue is empty\n", ""), Postqueue("-p"));
    }

    [Fact]
    public void Mailq_layout_marks_active_and_hold_and_shows_defer_reasons()
    {
        var messages = new[]
        {
            new ListedMessage("active", "1A2B3C4D5E", Arrival, 1234, false, "alice@example.com",
                [new ListedRecipient("bob@example.net", "bob@example.net", "", "")]),
            new ListedMessage("deferred", "2B3C4D5E6F", Arrival, 2048, false, "MAILER-DAEMON",
            [
                new ListedRecipient("x@example.org", "x@example.org", "defer", "connect to example.org[192.0.2.1]:25: Connection refused"),
                new ListedRecipient("y@example.org", "y@example.org", "defer", "connect to example.org[192.0.2.1]:25: Connection refused"),
                new ListedRecipient("z@example.org", "z@example.org", "", ""),
            ]),
            new ListedMessage("hold", "3C4D5E6F70", Arrival, 10, false, "carol@example.com",
                [new ListedRecipient("dave@example.com", "dave@example.com", "", "")]),
        };
        var o = new StringWriter();
        QueueReport.WriteMailq(messages, o, longIds: false, TimeZoneInfo.Utc);
        var expected =
            "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n" +
            "1A2B3C4D5E*    1234 Thu Nov  5 09:03:01  alice@example.com\n" +
            "                                         bob@example.net\n" +
            "\n" +
            "2B3C4D5E6F     2048 Thu Nov  5 09:03:01  MAILER-DAEMON\n" +
            "                    (connect to example.org[192.0.2.1]:25: Connection refused)\n" +
            "                                         x@example.org\n" +
            "                                         y@example.org\n" +
            "                                                          (reason unavailable)\n" +
            "                                         z@example.org\n" +
            "\n" +
            "3C4D5E6F70!      10 Thu Nov  5 09:03:01  carol@example.com\n" +
            "                                         dave@example.com\n" +
            "\n" +
            "-- 3 Kbytes in 3 Requests.\n";
        Assert.Equal(expected, o.ToString());
    }

    [Fact]
    public void Long_queue_ids_use_the_wide_layout()
    {
        var o = new StringWriter();
        QueueReport.WriteMailq([new ListedMessage("incoming", "4dKZ5Q0hVkz8rH", Arrival, 5, false, "a@b", [])], o, longIds: true, TimeZoneInfo.Utc);
        Assert.StartsWith("----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------\n4dKZ5Q0hVkz8rH           5 Thu Nov  5 09:03:01 a@b\n", o.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\n-- 0 Kbytes in 1 Request.\n", o.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void P_reads_queue_files_skips_done_recipients_and_reads_defer_logs()
    {
        var active = _q.Make(QueueNames.Active, "alice@example.com", ["bob@example.net"], arrival: Arrival);
        var held = _q.Make(QueueNames.Hold, "", ["carol@example.com"], arrival: Arrival);
        var deferred = _q.Make(QueueNames.Deferred, "s@example.com", ["x@example.org", "y@example.org"], arrival: Arrival, done: ["d@example.org"]);
        DeferLog.Append(_q.Queue, QueueNames.Defer, deferred, [new DeferLogEntry("x@example.org", "4.4.1", "delayed", "connection refused")]);
        var r = Postqueue("-p");
        Assert.Equal(0, r.Code);
        Assert.Contains(active + "*", r.Out, StringComparison.Ordinal);
        Assert.Contains(held + "!", r.Out, StringComparison.Ordinal);
        Assert.Contains("MAILER-DAEMON", r.Out, StringComparison.Ordinal);
        Assert.Contains("(connection refused)\n                                         x@example.org\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("(reason unavailable)\n                                         y@example.org\n", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("d@example.org", r.Out, StringComparison.Ordinal);
        Assert.EndsWith("in 3 Requests.\n", r.Out, StringComparison.Ordinal);
        // showq order: active before deferred before hold.
        Assert.True(r.Out.IndexOf(active, StringComparison.Ordinal) < r.Out.IndexOf(deferred, StringComparison.Ordinal));
        Assert.True(r.Out.IndexOf(deferred, StringComparison.Ordinal) < r.Out.IndexOf(held, StringComparison.Ordinal));
    }

    [Fact]
    public void J_prints_one_json_object_per_line()
    {
        var id = _q.Make(QueueNames.Deferred, "s@example.com", ["x@example.org", "y@example.org"], "Subject: t\r\n\r\nb\r\n", Arrival);
        DeferLog.Append(_q.Queue, QueueNames.Defer, id, [new DeferLogEntry("x@example.org", "4.4.1", "delayed", "said \"no\"")]);
        var r = Postqueue("-j");
        Assert.Equal(0, r.Code);
        var line = Assert.Single(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"{{\"queue_name\": \"deferred\", \"queue_id\": \"{id}\", \"arrival_time\": {Arrival.ToUnixTimeSeconds()}, \"message_size\": 17, \"forced_expire\": false, \"sender\": \"s@example.com\", \"recipients\": [{{\"address\": \"x@example.org\", \"delay_reason\": \"said \\\"no\\\"\"}}, {{\"address\": \"y@example.org\"}}]}}", line);
        using var doc = JsonDocument.Parse(line);
        Assert.Equal("deferred", doc.RootElement.GetProperty("queue_name").GetString());
    }

    [Fact]
    public void F_without_master_is_mail_system_is_down()
    {
        var r = Postqueue("-f");
        Assert.Equal(69, r.Code);
        Assert.Equal("postqueue: fatal: Cannot flush mail queue - mail system is down\n", r.Err);
    }

    [Fact]
    public void S_makes_deferred_mail_for_the_site_due_now()
    {
        var id = _q.Make(QueueNames.Deferred, "s@x", ["u@Example.ORG"]);
        var other = _q.Make(QueueNames.Deferred, "s@x", ["u@elsewhere.net"]);
        var later = DateTimeOffset.UtcNow.AddHours(3);
        QueueDirectory.SetNextRetry(_q.Queue.PathOf(QueueNames.Deferred, id), later);
        QueueDirectory.SetNextRetry(_q.Queue.PathOf(QueueNames.Deferred, other), later);
        Postqueue("-s", "example.org");
        Assert.True(QueueDirectory.NextRetry(_q.Queue.PathOf(QueueNames.Deferred, id)) < DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(QueueDirectory.NextRetry(_q.Queue.PathOf(QueueNames.Deferred, other)) > DateTimeOffset.UtcNow.AddHours(2));
    }

    [Fact]
    public void I_makes_one_deferred_message_due_now()
    {
        var id = _q.Make(QueueNames.Deferred, "s@x", ["u@example.org"]);
        QueueDirectory.SetNextRetry(_q.Queue.PathOf(QueueNames.Deferred, id), DateTimeOffset.UtcNow.AddHours(3));
        Postqueue("-i", id);
        Assert.True(QueueDirectory.NextRetry(_q.Queue.PathOf(QueueNames.Deferred, id)) < DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Theory]
    [InlineData("-s", "bad..site", "Cannot flush mail queue - invalid destination: \"bad..site\"")]
    [InlineData("-i", "bad/id", "Cannot flush queue ID - invalid name: \"bad/id\"")]
    public void Invalid_site_or_id_is_EX_USAGE(string flag, string value, string message)
    {
        var r = Postqueue(flag, value);
        Assert.Equal(64, r.Code);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void No_mode_prints_usage()
    {
        var r = Postqueue();
        Assert.Equal(64, r.Code);
        Assert.Contains("usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site", r.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("[192.0.2.1]", true)]
    [InlineData("[IPv6:2001:db8::1]", true)]
    [InlineData("-bad.example", false)]
    [InlineData("[not-an-ip]", false)]
    public void Site_syntax(string site, bool ok) => Assert.Equal(ok, PostqueueCommand.ValidSite(site));
}
