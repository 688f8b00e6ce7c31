using Posthorn.Core.Queue;
using Posthorn.Services.Delivery;
using Posthorn.Services.Error;

namespace Posthorn.Services.Tests.Qmgr;

public class QueueManagerTests
{
    [Fact]
    public async Task Delivered_message_is_removed_and_logged_as_Postfix()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["rcpt@remote.example"]);
        await h.Manager.RunOnceAsync();

        Assert.False(h.Exists(id));
        Assert.Equal([(id, "rcpt@remote.example")], h.Agent.Delivered);
        var log = h.Log;
        Assert.Matches($@"postfix/qmgr\[\d+\]: {id}: from=<sender@example.com>, size=\d+, nrcpt=1 \(queue active\)", log);
        Assert.Contains($"{id}: to=<rcpt@remote.example>, relay=remote.example[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as XYZ)", log, StringComparison.Ordinal);
        Assert.Contains($"{id}: removed", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_bounced_of_three_sends_one_RFC3464_bounce_to_the_sender()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["a@remote.example", "bounce@remote.example", "c@remote.example"]);
        await h.Manager.RunOnceAsync();

        Assert.False(h.Exists(id));
        Assert.Equal(2, h.Agent.Delivered.Count);
        var notice = Assert.Single(h.Files(QueueNames.Incoming));
        Assert.Equal("", notice.Sender);
        Assert.Equal("sender@example.com", Assert.Single(notice.Recipients).Address);
        var text = QmgrHarness.Content(notice);
        Assert.Contains("Content-Type: multipart/report; report-type=delivery-status;", text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; bounce@remote.example", text, StringComparison.Ordinal);
        Assert.Contains("Action: failed", text, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", text, StringComparison.Ordinal);
        Assert.Contains("Diagnostic-Code: smtp; 550 5.1.1 User unknown", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Final-Recipient: rfc822; a@remote.example", text, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <m1@example.com>", text, StringComparison.Ordinal);
        var log = h.Log;
        Assert.Contains($"{id}: to=<bounce@remote.example>, relay=remote.example[192.0.2.1]:25, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (host remote.example[192.0.2.1] said:", log, StringComparison.Ordinal);
        Assert.Contains($"postfix/bounce[", log, StringComparison.Ordinal);
        Assert.Contains($"{id}: sender non-delivery notification: {notice.QueueId}", log, StringComparison.Ordinal);
        Assert.False(File.Exists(h.Queue.PathOf(QueueNames.Bounce, id)));
    }

    [Fact]
    public async Task Deferred_message_waits_for_its_retry_time_then_is_delivered()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["defer@remote.example"]);
        await h.Manager.RunOnceAsync();

        var path = h.Queue.PathOf(QueueNames.Deferred, id);
        Assert.True(File.Exists(path));
        Assert.Equal(h.Time.Now + TimeSpan.FromSeconds(300), QueueDirectory.NextRetry(path));
        Assert.Contains($"{id}: to=<defer@remote.example>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to remote.example[192.0.2.1]:25: Connection timed out)", h.Log, StringComparison.Ordinal);
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Defer, id)));

        h.Agent.DeferAll = false;
        h.Time.Now += TimeSpan.FromSeconds(100);
        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(path));
        Assert.Empty(h.Agent.Delivered);

        h.Time.Now += TimeSpan.FromSeconds(201);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        Assert.Single(h.Agent.Delivered);
        Assert.Contains($"{id}: to=<defer@remote.example>, relay=remote.example[192.0.2.1]:25, delay=301, delays=301/0/0/0, dsn=2.0.0, status=sent", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backoff_grows_with_the_age_of_the_message_up_to_maximal_backoff_time()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["defer@remote.example"], arrival: h.Time.Now - TimeSpan.FromSeconds(1000));
        await h.Manager.RunOnceAsync();
        Assert.Equal(h.Time.Now + TimeSpan.FromSeconds(1000), QueueDirectory.NextRetry(h.Queue.PathOf(QueueNames.Deferred, id)));
    }

    [Fact]
    public async Task Message_too_old_is_returned_to_the_sender()
    {
        using var h = new QmgrHarness("maximal_queue_lifetime = 1d");
        var id = h.Enqueue("sender@example.com", ["defer@remote.example", "ok@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Deferred, id)));

        h.Time.Now += TimeSpan.FromDays(2);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        var log = h.Log;
        Assert.Contains($"{id}: from=<sender@example.com>, status=expired, returned to sender", log, StringComparison.Ordinal);
        var notice = Assert.Single(h.Files(QueueNames.Incoming));
        var text = QmgrHarness.Content(notice);
        Assert.Contains("Final-Recipient: rfc822; defer@remote.example", text, StringComparison.Ordinal);
        Assert.Contains("Action: failed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ok@remote.example", text.Split("Content-Description: Delivery report")[1].Split("Content-Description: Undelivered")[0], StringComparison.Ordinal);
        Assert.Contains($"{id}: removed", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_sender_mail_expires_after_bounce_queue_lifetime()
    {
        using var h = new QmgrHarness("maximal_queue_lifetime = 5d\nbounce_queue_lifetime = 1d");
        var id = h.Enqueue("", ["defer@remote.example"]);
        await h.Manager.RunOnceAsync();
        h.Time.Now += TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        Assert.Contains($"{id}: from=<>, status=expired, returned to sender", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delay_warning_is_sent_once()
    {
        using var h = new QmgrHarness("delay_warning_time = 1h");
        var id = h.Enqueue("sender@example.com", ["defer@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.DoesNotContain("delay notification", h.Log, StringComparison.Ordinal);

        for (int i = 0; i < 3; i++)
        {
            h.Time.Now += TimeSpan.FromHours(2);
            await h.Manager.RunOnceAsync();
        }
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Deferred, id)));
        Assert.Equal(1, Count(h.Log, $"{id}: sender delay notification: "));
        int at = h.Agent.Requests.FindIndex(r => r.Sender.Length == 0);
        Assert.True(at >= 0);
        var text = h.Agent.Contents[at];
        Assert.Contains("Action: delayed", text, StringComparison.Ordinal);
        Assert.Contains("Will-Retry-Until:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounce_of_a_bounce_goes_to_postmaster_as_a_double_bounce()
    {
        using var h = new QmgrHarness("notify_classes = resource, software, 2bounce");
        var id = h.Enqueue("", ["bounce@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        var notice = Assert.Single(h.Files(QueueNames.Incoming));
        Assert.Equal("double-bounce@mail.example.com", notice.Sender);
        Assert.Equal("postmaster@example.com", Assert.Single(notice.Recipients).Address);
        // bounce(8): the double bounce reaches postmaster whole (BOUNCE_ALL), not truncated after the headers.
        Assert.Contains("Content-Type: message/rfc822", QmgrHarness.Content(notice), StringComparison.Ordinal);
        Assert.Contains($"{id}: postmaster non-delivery notification: {notice.QueueId}", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounce_of_a_bounce_is_dropped_when_notify_classes_do_not_ask()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("", ["bounce@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        Assert.Empty(h.Files(QueueNames.Incoming));
    }

    [Fact]
    public async Task Notify_class_bounce_sends_a_headers_only_copy_to_bounce_notice_recipient()
    {
        using var h = new QmgrHarness("notify_classes = bounce\nbounce_notice_recipient = hostmaster");
        h.Enqueue("sender@example.com", ["bounce@remote.example"]);
        await h.Manager.RunOnceAsync();
        var files = h.Files(QueueNames.Incoming);
        Assert.Equal(2, files.Count);
        var copy = Assert.Single(files, f => f.Recipients[0].Address == "hostmaster@example.com");
        Assert.Equal("double-bounce@mail.example.com", copy.Sender);
        Assert.Contains("text/rfc822-headers", QmgrHarness.Content(copy), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_never_suppresses_the_bounce()
    {
        using var h = new QmgrHarness();
        h.Enqueue("sender@example.com", ["bounce@remote.example"], notify: ["NEVER"]);
        await h.Manager.RunOnceAsync();
        Assert.Empty(h.Files(QueueNames.Incoming));
    }

    [Fact]
    public async Task Notify_success_sends_a_delivery_notice()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["a@remote.example"], notify: ["SUCCESS"]);
        await h.Manager.RunOnceAsync();
        var notice = Assert.Single(h.Files(QueueNames.Incoming));
        var text = QmgrHarness.Content(notice);
        Assert.Contains("Action: delivered", text, StringComparison.Ordinal);
        Assert.Contains($"{id}: sender delivery status notification: {notice.QueueId}", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crash_recovery_from_active_does_not_deliver_done_recipients_again()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["a@remote.example", "b@remote.example", "c@remote.example"], QueueNames.Active);
        var path = h.Queue.PathOf(QueueNames.Active, id);
        var file = QueueFileReader.Read(path).File!;
        Assert.True(QueueFileUpdater.MarkDone(path, file.Recipients[1], null, out _));

        h.Manager.RecoverActive();
        await h.Manager.DrainAsync();
        Assert.Equal(["a@remote.example", "c@remote.example"], h.Agent.Delivered.Select(d => d.Recipient).Order());
        Assert.False(h.Exists(id));
    }

    [Fact]
    public async Task Missing_transport_defers_with_mail_transport_unavailable()
    {
        using var h = new QmgrHarness("default_transport = nosuch");
        var id = h.Enqueue("sender@example.com", ["a@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Deferred, id)));
        Assert.Contains($"{id}: to=<a@remote.example>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, status=deferred (mail transport unavailable)", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defer_transports_hold_mail_until_flushed()
    {
        using var h = new QmgrHarness("defer_transports = test");
        var id = h.Enqueue("sender@example.com", ["a@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Deferred, id)));
        Assert.Contains("status=deferred (deferred transport)", h.Log, StringComparison.Ordinal);
        Assert.Empty(h.Agent.Delivered);

        h.Manager.ScanDeferred(flush: true);
        await h.Manager.DrainAsync();
        Assert.Single(h.Agent.Delivered);
        Assert.False(h.Exists(id));
    }

    [Fact]
    public async Task Corrupt_incoming_file_goes_to_corrupt_and_incomplete_is_left()
    {
        using var h = new QmgrHarness();
        var incomplete = h.Queue.Enter(QueueNames.Incoming);
        incomplete.WriteArrivalTime(h.Time.Now);
        incomplete.WriteSender("x@example.com");
        var corruptPath = h.Queue.PathOf(QueueNames.Incoming, "ABCDEF123");
        File.WriteAllText(corruptPath, "garbage");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(corruptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Corrupt, "ABCDEF123")));
        Assert.Contains("warning: ABCDEF123:", h.Log, StringComparison.Ordinal);
        Assert.True(File.Exists(incomplete.Path));
        incomplete.Abort();
    }

    [Fact]
    public async Task Hold_queue_is_left_alone()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["a@remote.example"], QueueNames.Hold);
        await h.Manager.RunOnceAsync();
        Assert.True(File.Exists(h.Queue.PathOf(QueueNames.Hold, id)));
        Assert.Empty(h.Agent.Delivered);
    }

    [Fact]
    public async Task Active_limit_leaves_the_rest_in_incoming()
    {
        using var h = new QmgrHarness("qmgr_message_active_limit = 1\ndefault_transport = nosuch");
        h.Enqueue("sender@example.com", ["a@remote.example"]);
        h.Enqueue("sender@example.com", ["b@remote.example"]);
        h.Manager.ScanIncoming();
        Assert.Equal(1, h.Manager.ActiveCount);
        Assert.Single(h.Files(QueueNames.Incoming));
        await h.Manager.DrainAsync();
    }

    [Fact]
    public async Task Error_transport_bounces_with_its_text()
    {
        using var h = new QmgrHarness("default_transport = error:5.1.1 User unknown in virtual alias table",
            new Dictionary<string, IDeliveryAgent> { ["error"] = new ErrorAgent(retry: false) });
        var id = h.Enqueue("sender@example.com", ["a@remote.example"]);
        await h.Manager.RunOnceAsync();
        Assert.Contains($"{id}: to=<a@remote.example>, relay=none, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (User unknown in virtual alias table)", h.Log, StringComparison.Ordinal);
        var notice = Assert.Single(h.Files(QueueNames.Incoming));
        Assert.Contains("Diagnostic-Code: X-Posthorn; User unknown in virtual alias table", QmgrHarness.Content(notice), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_requests_are_served_by_the_service_loop()
    {
        using var h = new QmgrHarness();
        using var cts = new CancellationTokenSource();
        var run = h.Manager.RunAsync(cts.Token);
        var id = h.Enqueue("sender@example.com", ["a@remote.example"]);
        h.Manager.Trigger('I');
        for (int i = 0; i < 200 && h.Exists(id); i++)
            await Task.Delay(25);
        cts.Cancel();
        await run;
        Assert.False(h.Exists(id));
    }

    [Fact]
    public async Task Mail_to_the_local_double_bounce_address_is_discarded()
    {
        using var h = new QmgrHarness("mydestination = mail.example.com");
        var id = h.Enqueue("", ["double-bounce@mail.example.com"]);
        await h.Manager.RunOnceAsync();
        Assert.False(h.Exists(id));
        Assert.Empty(h.Agent.Delivered);
        Assert.Contains($"{id}: to=<double-bounce@mail.example.com>, relay=none, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (undeliverable postmaster notification discarded)", h.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipients_reported_done_mid_request_are_marked_at_once()
    {
        using var h = new QmgrHarness();
        var id = h.Enqueue("sender@example.com", ["a@remote.example", "b@remote.example"]);
        var agent = new StepAgent();
        var manager = new Posthorn.Services.Qmgr.QueueManager(h.Config, h.Queue, Posthorn.Core.Logging.MailLog.Null, _ => agent, h.Submitter,
            new Posthorn.Core.Maps.TableMapResolver(h.Config), time: h.Time);
        manager.ScanIncoming();
        var run = manager.DrainAsync();
        await agent.FirstDone.Task;
        var file = QueueFileReader.Read(h.Queue.PathOf(QueueNames.Active, id)).File!;
        Assert.Equal([true, false], file.Recipients.Select(r => r.Done));
        agent.Release.SetResult();
        await run;
        Assert.False(h.Exists(id));
        manager.Dispose();
    }

    /// <summary>Delivers the first recipient, reports it, then waits before the second.</summary>
    private sealed class StepAgent : IDeliveryAgent
    {
        public TaskCompletionSource FirstDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
        {
            var first = new RecipientResult(request.Recipients[0], DeliveryOutcome.Delivered, "2.0.0", "ok", "none");
            request.RecipientDone?.Invoke(first);
            FirstDone.SetResult();
            await Release.Task;
            return new DeliveryResult([first, new RecipientResult(request.Recipients[1], DeliveryOutcome.Delivered, "2.0.0", "ok", "none")]);
        }
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
            n++;
        return n;
    }
}
