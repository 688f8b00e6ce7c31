using Posthorn.Core.Config;
using Posthorn.Services.Qmgr;

namespace Posthorn.Services.Tests.Qmgr;

internal sealed class ManualTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

public class DeliverySchedulerTests
{
    private const string Config = """
        default_process_limit = 100
        default_destination_concurrency_limit = 20
        default_destination_recipient_limit = 50
        initial_destination_concurrency = 5
        default_destination_concurrency_positive_feedback = 1/concurrency
        default_destination_concurrency_negative_feedback = 1/concurrency
        default_destination_concurrency_failed_cohort_limit = 1
        local_destination_concurrency_limit = 2
        local_destination_recipient_limit = 1
        minimal_backoff_time = 300s
        maximal_backoff_time = 4000s
        """;

    private readonly ManualTime _time = new();

    private DeliveryScheduler Scheduler(string extra = "", Func<string, int?>? maxProc = null) =>
        new(MainConfig.FromText(Config + "\n" + extra), maxProc ?? (_ => null), _time);

    private static ScheduledMessage Message(string id, DateTimeOffset arrival, params (string Address, string Transport, string Nexthop)[] rcpts) =>
        new(id, arrival, rcpts.Select((r, i) => new ScheduledRecipient(i, r.Address, r.Transport, r.Nexthop)).ToList());

    private static List<DeliveryJob> TakeAll(DeliveryScheduler s)
    {
        var jobs = new List<DeliveryJob>();
        while (s.TryTake(out var j))
            jobs.Add(j);
        return jobs;
    }

    [Fact]
    public void Recipients_are_grouped_per_destination_up_to_the_recipient_limit()
    {
        var s = Scheduler("smtp_destination_recipient_limit = 2");
        s.Add(Message("A1", _time.Now,
            ("a@x.org", "smtp", "x.org"), ("b@x.org", "smtp", "x.org"), ("c@x.org", "smtp", "x.org"), ("d@y.org", "smtp", "y.org")));
        var jobs = TakeAll(s);
        Assert.Equal(3, jobs.Count);
        Assert.Equal(new[] { 2, 1, 1 }, jobs.Select(j => j.Recipients.Count).OrderByDescending(n => n));
    }

    [Fact]
    public void Local_recipient_limit_1_makes_each_recipient_its_own_destination_with_concurrency_2()
    {
        var s = Scheduler();
        for (int i = 0; i < 4; i++)
            s.Add(Message("M" + i, _time.Now, ("user1@example.com", "local", "example.com")));
        s.Add(Message("N", _time.Now, ("user2@example.com", "local", "example.com")));
        var jobs = TakeAll(s);
        Assert.Equal(2, jobs.Count(j => j.Recipients[0].Address == "user1@example.com"));
        Assert.Single(jobs, j => j.Recipients[0].Address == "user2@example.com");
    }

    [Fact]
    public void Initial_concurrency_limits_a_new_destination_and_success_widens_it()
    {
        var s = Scheduler();
        for (int i = 0; i < 10; i++)
            s.Add(Message("M" + i, _time.Now, ($"u{i}@x.org", "smtp", "x.org")));
        var first = TakeAll(s);
        Assert.Equal(5, first.Count);
        foreach (var j in first.Take(2))
            s.Complete(j, SiteStatus.Ok, [RecipientOutcome.Delivered]);
        var more = TakeAll(s);
        Assert.True(more.Count >= 2, $"took {more.Count}");
    }

    [Fact]
    public void Process_limit_caps_a_transport()
    {
        var s = Scheduler(maxProc: t => t == "smtp" ? 3 : null);
        for (int i = 0; i < 10; i++)
            s.Add(Message("M" + i, _time.Now, ($"u@d{i}.org", "smtp", $"d{i}.org")));
        Assert.Equal(3, TakeAll(s).Count);
    }

    [Fact]
    public void Dead_destination_defers_waiting_recipients_and_recovers_after_backoff()
    {
        var s = Scheduler("initial_destination_concurrency = 1");
        var suspended = new List<SuspendedRecipient>();
        var done = new List<(string, TimeSpan?)>();
        s.RecipientSuspended += suspended.Add;
        s.MessageDone += (m, b) => done.Add((m.QueueId, b));
        s.Add(Message("A", _time.Now, ("a@down.org", "smtp", "down.org")));
        s.Add(Message("B", _time.Now, ("b@down.org", "smtp", "down.org")));
        Assert.True(s.TryTake(out var job));
        Assert.False(s.TryTake(out _));
        s.Complete(job, SiteStatus.Failed, [RecipientOutcome.Deferred], "connect to down.org[192.0.2.9]:25: Connection refused");
        Assert.Single(suspended);
        Assert.Equal("B", suspended[0].Message.QueueId);
        Assert.Contains("Connection refused", suspended[0].Reason, StringComparison.Ordinal);
        s.Add(Message("C", _time.Now, ("c@down.org", "smtp", "down.org")));
        Assert.Equal(2, suspended.Count);
        _time.Now += TimeSpan.FromSeconds(301);
        s.Add(Message("D", _time.Now, ("d@down.org", "smtp", "down.org")));
        Assert.True(s.TryTake(out var retry));
        Assert.Equal("D", retry.Message.QueueId);
    }

    [Fact]
    public void Backoff_is_the_message_age_clamped_to_minimal_and_maximal_backoff()
    {
        var s = Scheduler();
        var done = new Dictionary<string, TimeSpan?>();
        s.MessageDone += (m, b) => done[m.QueueId] = b;
        s.Add(Message("young", _time.Now - TimeSpan.FromSeconds(10), ("a@x.org", "smtp", "x.org")));
        s.Add(Message("middle", _time.Now - TimeSpan.FromSeconds(1000), ("b@y.org", "smtp", "y.org")));
        s.Add(Message("old", _time.Now - TimeSpan.FromDays(1), ("c@z.org", "smtp", "z.org")));
        s.Add(Message("ok", _time.Now, ("d@w.org", "smtp", "w.org")));
        foreach (var j in TakeAll(s))
            s.Complete(j, SiteStatus.Ok, [j.Message.QueueId == "ok" ? RecipientOutcome.Delivered : RecipientOutcome.Deferred]);
        Assert.Equal(TimeSpan.FromSeconds(300), done["young"]);
        Assert.Equal(TimeSpan.FromSeconds(1000), done["middle"]);
        Assert.Equal(TimeSpan.FromSeconds(4000), done["old"]);
        Assert.Null(done["ok"]);
    }

    [Fact]
    public void Message_is_done_only_when_every_job_is_done()
    {
        var s = Scheduler();
        var done = new List<string>();
        s.MessageDone += (m, _) => done.Add(m.QueueId);
        s.Add(Message("M", _time.Now, ("a@x.org", "smtp", "x.org"), ("b@example.com", "local", "example.com")));
        var jobs = TakeAll(s);
        Assert.Equal(2, jobs.Count);
        s.Complete(jobs[0], SiteStatus.Ok, [RecipientOutcome.Delivered]);
        Assert.Empty(done);
        s.Complete(jobs[1], SiteStatus.Ok, [RecipientOutcome.Bounced]);
        Assert.Equal(["M"], done);
    }

    [Theory]
    [InlineData("1/concurrency", 4, 0.25)]
    [InlineData("1/8", 4, 0.125)]
    [InlineData("2", 4, 2)]
    public void Feedback_values_parse_as_postconf_describes(string text, double window, double expected) =>
        Assert.Equal(expected, Feedback.Parse(text).ValueAt(window), 6);
}
