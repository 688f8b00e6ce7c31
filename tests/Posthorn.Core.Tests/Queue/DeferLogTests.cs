using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

/// <summary>The per-message defer/bounce log format (docs/queue-format.md) and the showq-style listing built on it.</summary>
public sealed class DeferLogTests : IDisposable
{
    private readonly QueueTestDirectory _dir = new();
    private readonly QueueDirectory _queue;

    public DeferLogTests()
    {
        _queue = new QueueDirectory(_dir.Path, 1, ["deferred", "defer"], false);
        _queue.EnsureDirectories();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Entries_round_trip_through_the_hashed_defer_directory()
    {
        var e1 = new DeferLogEntry("a@example.com", "4.4.1", "delayed", "connect to example.com[192.0.2.1]:25: Connection refused", "A@example.com", 123, "rfc822;A@example.com", "FAILURE,DELAY");
        var e2 = new DeferLogEntry("b@example.com", "4.2.2", "delayed", "mailbox full");
        DeferLog.Append(_queue, QueueNames.Defer, "3F2A11B2C4", [e1]);
        DeferLog.Append(_queue, QueueNames.Defer, "3F2A11B2C4", [e2]);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "defer", "3", "3F2A11B2C4")));
        Assert.Equal([e1, e2], DeferLog.Read(_queue, QueueNames.Defer, "3F2A11B2C4"));
    }

    [Fact]
    public void Block_format_is_name_value_lines_ended_by_an_empty_line()
    {
        var sb = new StringBuilder();
        DeferLog.Format(sb, new DeferLogEntry("a@b", "5.1.1", "failed", "User unknown", Offset: 77));
        Assert.Equal("recipient=a@b\noffset=77\nstatus=5.1.1\naction=failed\nreason=User unknown\n\n", sb.ToString());
    }

    [Fact]
    public void Control_characters_in_a_reason_cannot_break_a_block()
    {
        DeferLog.Append(_queue, QueueNames.Bounce, "ABCDE1", [new DeferLogEntry("a@b", "5.0.0", "failed", "line1\nrecipient=evil@x\n\nmore")]);
        var e = Assert.Single(DeferLog.Read(_queue, QueueNames.Bounce, "ABCDE1"));
        Assert.Equal("a@b", e.Recipient);
        Assert.Equal("line1?recipient=evil@x??more", e.Reason);
    }

    [Fact]
    public void Missing_log_reads_as_empty_and_damaged_blocks_are_skipped()
    {
        Assert.Empty(DeferLog.Read(_queue, QueueNames.Defer, "NOSUCH"));
        Assert.Single(DeferLog.Parse("garbage\n\nstatus=4.0.0\n\nrecipient=x@y\nreason=r\n"));
    }

    [Fact]
    public void Listing_puts_logged_recipients_first_with_reasons_and_skips_done_ones()
    {
        string id;
        using (var w = _queue.Enter(QueueNames.Incoming))
        {
            w.WriteArrivalTime(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
            w.WriteSender("");
            w.WriteRecipient(new QueueRecipientSpec("a@x"));
            w.WriteRecipient(new QueueRecipientSpec("b@x"));
            w.WriteRecipient(new QueueRecipientSpec("c@x"));
            w.AppendContent("Subject: s\r\n\r\nb\r\n"u8);
            id = w.Commit().QueueId!;
        }
        var path = _queue.PathOf(QueueNames.Incoming, id);
        var c = QueueFileReader.Read(path).File!.Recipients[2];
        Assert.True(QueueFileUpdater.MarkDone(path, c, null, out _));
        _queue.Move(id, QueueNames.Incoming, QueueNames.Deferred);
        DeferLog.Append(_queue, QueueNames.Defer, id, [new DeferLogEntry("b@x", "4.0.0", "delayed", "later")]);
        var m = Assert.Single(QueueListing.List(_queue));
        Assert.Equal(("deferred", "MAILER-DAEMON", 17L), (m.QueueName, m.Sender, m.MessageSize));
        Assert.Equal([("b@x", "later"), ("a@x", "")], m.Recipients.Select(r => (r.Address, r.Reason)));
        Assert.Equal(QueueNames.Deferred, QueueListing.FindQueue(_queue, id));
        Assert.Null(QueueListing.FindQueue(_queue, "../x"));
    }

    [Theory]
    [InlineData("user@example.com", "user@example.com")]
    [InlineData("john doe@example.com", "\"john doe\"@example.com")]
    [InlineData("a\"b@x", "\"a\\\"b\"@x")]
    [InlineData("MAILER-DAEMON", "MAILER-DAEMON")]
    public void Listing_quotes_local_parts_as_quote_822_local(string address, string shown) =>
        Assert.Equal(shown, QueueListing.Quoted(address));
}
