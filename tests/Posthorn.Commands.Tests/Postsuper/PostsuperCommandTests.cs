using Posthorn.Commands.Tests.Sendmail;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Tests.Postsuper;

/// <summary>postsuper(1): -d, -h, -H, -r, -s, -p with their messages and counts.</summary>
public sealed class PostsuperCommandTests : IDisposable
{
    private readonly QueueTestConfig _q = new();

    public void Dispose() => _q.Dispose();

    private (int Code, string Out, string Err) Postsuper(string stdin, params string[] args) =>
        QueueTestConfig.Run("postsuper", stdin, ["-c", _q.Dir, .. args]);

    private bool In(string queue, string id) => File.Exists(_q.Queue.PathOf(queue, id));

    [Fact]
    public void D_removes_one_message_and_its_logs()
    {
        var id = _q.Make(QueueNames.Deferred, "a@b", ["c@d"]);
        DeferLog.Append(_q.Queue, QueueNames.Defer, id, [new DeferLogEntry("c@d", "4.0.0", "delayed", "x")]);
        var r = Postsuper("", "-d", id);
        Assert.Equal(0, r.Code);
        Assert.Equal($"postsuper: {id}: removed\npostsuper: Deleted: 1 message\n", r.Err);
        Assert.False(In(QueueNames.Deferred, id));
        Assert.Empty(DeferLog.Read(_q.Queue, QueueNames.Defer, id));
    }

    [Fact]
    public void D_ALL_removes_every_message_of_the_named_queue_only()
    {
        _q.Make(QueueNames.Deferred, "a@b", ["c@d"]);
        _q.Make(QueueNames.Deferred, "a@b", ["c@d"]);
        var held = _q.Make(QueueNames.Hold, "a@b", ["c@d"]);
        var r = Postsuper("", "-d", "ALL", "deferred");
        // Debian's Postfix 3.7: with ALL only the total, no "ID: removed" lines.
        Assert.Equal("postsuper: Deleted: 2 messages\n", r.Err);
        Assert.True(In(QueueNames.Hold, held));
    }

    [Fact]
    public void D_dash_reads_ids_from_stdin()
    {
        var a = _q.Make(QueueNames.Incoming, "a@b", ["c@d"]);
        var b = _q.Make(QueueNames.Active, "a@b", ["c@d"]);
        var r = Postsuper($"{a}\n{b}\nNOSUCHID\n", "-d", "-");
        Assert.EndsWith("postsuper: Deleted: 2 messages\n", r.Err, StringComparison.Ordinal);
        Assert.False(In(QueueNames.Active, b));
    }

    [Fact]
    public void Invalid_id_is_warned_about()
    {
        var r = Postsuper("", "-d", "../etc");
        Assert.Contains("postsuper: warning: invalid mail queue id: ../etc", r.Err, StringComparison.Ordinal);
        Assert.Contains("Deleted: 0 messages", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void H_holds_and_capital_H_releases_to_deferred()
    {
        var id = _q.Make(QueueNames.Incoming, "a@b", ["c@d"]);
        var r = Postsuper("", "-h", id);
        Assert.Equal($"postsuper: {id}: placed on hold\npostsuper: Placed on hold: 1 message\n", r.Err);
        Assert.True(In(QueueNames.Hold, id));
        r = Postsuper("", "-H", "ALL");
        Assert.Equal("postsuper: Released from hold: 1 message\n", r.Err);
        Assert.True(In(QueueNames.Deferred, id));
        Assert.True(QueueDirectory.NextRetry(_q.Queue.PathOf(QueueNames.Deferred, id)) <= DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public void R_requeues_into_maildrop_keeping_the_envelope()
    {
        var id = _q.Make(QueueNames.Deferred, "a@b", ["c@d"]);
        var r = Postsuper("", "-r", "ALL");
        Assert.Equal("postsuper: Requeued: 1 message\n", r.Err);
        var read = QueueFileReader.Read(_q.Queue.PathOf(QueueNames.Maildrop, id));
        Assert.True(read.Ok);
        Assert.Equal("a@b", read.File!.Sender);
    }

    [Fact]
    public void S_moves_files_in_the_wrong_hashed_directory()
    {
        var id = _q.Make(QueueNames.Deferred, "a@b", ["c@d"]);
        var right = _q.Queue.PathOf(QueueNames.Deferred, id);
        var wrong = Path.Combine(_q.QueueRoot, "deferred", id);
        File.Move(right, wrong);
        var r = Postsuper("", "-s");
        Assert.Equal(0, r.Code);
        Assert.Contains("renamed file", r.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(right));
    }

    [Fact]
    public void P_purges_old_temporary_files_only()
    {
        var stale = Path.Combine(_q.QueueRoot, "incoming", "123.456.789");
        var fresh = Path.Combine(_q.QueueRoot, "incoming", "124.456.789");
        File.WriteAllText(stale, "x");
        File.WriteAllText(fresh, "x");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-8));
        var r = Postsuper("", "-p");
        Assert.Contains("removed file incoming/123.456.789", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void Unknown_queue_name_is_fatal()
    {
        var r = Postsuper("", "-d", "ALL", "nosuchqueue");
        Assert.Equal(1, r.Code);
        Assert.Contains("invalid directory name: nosuchqueue", r.Err, StringComparison.Ordinal);
    }
}
