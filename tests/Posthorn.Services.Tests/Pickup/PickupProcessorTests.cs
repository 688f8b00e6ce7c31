using System.Runtime.Versioning;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Pickup;
using Posthorn.Services.Tests.Cleanup;

namespace Posthorn.Services.Tests.Pickup;

/// <summary>pickup(8): maildrop files through cleanup into incoming; bad files removed with a warning.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class PickupProcessorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "posthorn-pickup-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly QueueDirectory _queue;
    private readonly MailLog _log;
    private readonly PickupProcessor _pickup;

    public PickupProcessorTests()
    {
        Directory.CreateDirectory(_dir);
        _queue = new QueueDirectory(Path.Combine(_dir, "queue"), 1, ["deferred", "defer"], false);
        _queue.EnsureDirectories();
        _log = new MailLog("postfix", "mail", Path.Combine(_dir, "maillog"), false);
        var config = MainConfig.FromText(CleanupTest.Base + "\nmessage_size_limit = 1000\n");
        _pickup = new PickupProcessor(_queue, new CleanupProcessor(config, new FakeMaps(), TimeZoneInfo.Utc), _log);
    }

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_dir, true);
    }

    private string LogText()
    {
        _log.Flush();
        return File.ReadAllText(Path.Combine(_dir, "maillog"));
    }

    private string Drop(string sender, string[] recipients, string content, string[]? extracted = null, string? fullName = null,
        string? notify = null)
    {
        using var w = _queue.Enter(QueueNames.Maildrop);
        w.ReadyMode = MaildropFile.ReadyMode;
        w.WriteArrivalTime(DateTimeOffset.UtcNow);
        w.WriteAttribute(QueueAttributes.RewriteContext, "local");
        if (fullName is not null)
            w.WriteAttribute(MaildropFile.FullNameAttribute, fullName);
        w.WriteSender(sender);
        foreach (var r in recipients)
            w.WriteRecipient(new QueueRecipientSpec(r, DsnNotify: notify));
        w.AppendContent(Encoding.UTF8.GetBytes(content));
        foreach (var r in extracted ?? [])
            w.WriteExtractedRecipient(new QueueRecipientSpec(r));
        return w.Commit().QueueId!;
    }

    private QueueFile Incoming()
    {
        var id = Assert.Single(_queue.Enumerate(QueueNames.Incoming));
        var read = QueueFileReader.Read(_queue.PathOf(QueueNames.Incoming, id));
        Assert.True(read.Ok, read.Error);
        return read.File!;
    }

    private static string Content(QueueFile f)
    {
        using var r = new StreamReader(f.OpenContent());
        return r.ReadToEnd();
    }

    [Fact]
    public void Moves_a_maildrop_file_through_cleanup_into_incoming()
    {
        var id = Drop("joe", ["bob@example.com"], "Subject: hi\r\n\r\nbody\r\n", fullName: "Joe Sixpack");
        Assert.Equal(PickupOutcome.Queued, _pickup.Process(id));
        Assert.Empty(_queue.Enumerate(QueueNames.Maildrop));
        var f = Incoming();
        Assert.Equal("joe@example.com", f.Sender);
        Assert.Equal("bob@example.com", Assert.Single(f.Recipients).Address);
        var content = Content(f);
        Assert.Matches(@"^Received: by mail\.example\.com \(Postfix, from userid \d+\)\r\n\tid \w+; ", content);
        Assert.Contains("From: Joe Sixpack <joe@example.com>\r\n", content, StringComparison.Ordinal);
        Assert.Contains("Subject: hi\r\n", content, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nbody\r\n", content, StringComparison.Ordinal);
        Assert.True(QueueDirectory.IsReady(f.Path));
    }

    [Fact]
    public void Logs_uid_and_sender_as_postfix_pickup()
    {
        Drop("joe", ["bob@example.com"], "Subject: hi\r\n\r\nbody\r\n");
        _pickup.Scan();
        var id = Incoming().QueueId;
        Assert.Matches($@"postfix/pickup\[\d+\]: {id}: uid=\d+ from=<joe>", LogText());
    }

    [Fact]
    public void Extracted_recipients_and_dsn_notify_are_kept()
    {
        Drop("joe", ["a@example.com"], "To: b@example.com\r\n\r\nx\r\n", extracted: ["b@example.com"], notify: "SUCCESS,DELAY");
        _pickup.Scan();
        var f = Incoming();
        Assert.Equal(["a@example.com", "b@example.com"], f.Recipients.Select(r => r.Address));
        Assert.Equal("SUCCESS,DELAY", f.Recipients[0].DsnNotify);
    }

    [Fact]
    public void Bcc_header_is_removed_by_cleanup()
    {
        Drop("joe", ["a@example.com"], "To: a@example.com\r\nBcc: secret@example.com\r\n\r\nx\r\n", extracted: ["secret@example.com"]);
        _pickup.Scan();
        Assert.DoesNotContain("Bcc:", Content(Incoming()), StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_file_is_removed_with_a_warning()
    {
        var path = Path.Combine(_queue.Root, "maildrop", "ABCDEF12345");
        File.WriteAllText(path, "this is not a queue file");
        File.SetUnixFileMode(path, MaildropFile.ReadyMode);
        Assert.Equal(PickupOutcome.Removed, _pickup.Process("ABCDEF12345"));
        Assert.False(File.Exists(path));
        Assert.Contains("warning: maildrop/ABCDEF12345: uid=", LogText(), StringComparison.Ordinal);
        Assert.Contains("malformed queue file", LogText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_file_is_removed_and_good_files_still_go_through()
    {
        var good = Drop("joe", ["a@example.com"], "x\r\n");
        var bad = Drop("joe", ["a@example.com"], "y\r\n");
        var path = _queue.PathOf(QueueNames.Maildrop, bad);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);
        Assert.Equal(1, _pickup.Scan());
        Assert.Empty(_queue.Enumerate(QueueNames.Maildrop));
        Assert.Single(_queue.Enumerate(QueueNames.Incoming));
        Assert.DoesNotContain(good, LogText().Split('\n').Where(l => l.Contains("warning", StringComparison.Ordinal)));
    }

    [Fact]
    public void File_still_being_written_is_left_alone()
    {
        var path = Path.Combine(_queue.Root, "maildrop", "ABCDEF12346");
        File.WriteAllText(path, "partial");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(PickupOutcome.Skipped, _pickup.Process("ABCDEF12346"));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Symlink_is_removed_not_followed()
    {
        var target = Path.Combine(_dir, "secret");
        File.WriteAllText(target, "secret");
        var link = Path.Combine(_queue.Root, "maildrop", "ABCDEF12347");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(PickupOutcome.Removed, _pickup.Process("ABCDEF12347"));
        Assert.True(File.Exists(target));
        Assert.False(File.Exists(link));
    }

    [Fact]
    public void Temporary_names_are_skipped()
    {
        File.WriteAllText(Path.Combine(_queue.Root, "maildrop", "123.45.678"), "x");
        Assert.Equal(PickupOutcome.Skipped, _pickup.Process("123.45.678"));
    }

    [Fact]
    public void Message_over_message_size_limit_is_removed()
    {
        var id = Drop("joe", ["a@example.com"], new string('x', 2000) + "\r\n");
        Assert.Equal(PickupOutcome.Removed, _pickup.Process(id));
        Assert.Contains("message file too big", LogText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Requeued_file_goes_to_incoming_as_it_is()
    {
        using (var w = _queue.Enter(QueueNames.Maildrop))
        {
            w.WriteArrivalTime(DateTimeOffset.UtcNow);
            w.WriteSender("s@example.com");
            w.WriteRecipient(new QueueRecipientSpec("r@example.com"));
            w.AppendContent("Received: by x\r\n\r\nb\r\n"u8);
            w.Commit();
        }
        Assert.Equal(1, _pickup.Scan());
        var f = Incoming();
        Assert.Equal("Received: by x\r\n\r\nb\r\n", Content(f));
    }

    [Theory]
    [InlineData("NEVER", 1)]
    [InlineData("SUCCESS,FAILURE", 6)]
    [InlineData(null, 0)]
    public void Notify_round_trips(string? text, int mask)
    {
        Assert.Equal(mask, PickupProcessor.NotifyMask(text));
        Assert.Equal(text, PickupProcessor.NotifyText(mask));
    }
}
