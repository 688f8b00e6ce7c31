using Posthorn.Commands.Tests.Sendmail;
using Posthorn.Core.Queue;

namespace Posthorn.Commands.Tests.Postcat;

/// <summary>postcat(1): -q, -e, -h, -b, -o and the section markers.</summary>
public sealed class PostcatCommandTests : IDisposable
{
    private readonly QueueTestConfig _q = new();

    public void Dispose() => _q.Dispose();

    private (int Code, string Out, string Err) Postcat(params string[] args) =>
        QueueTestConfig.Run("postcat", "", ["-c", _q.Dir, .. args]);

    [Fact]
    public void Q_finds_the_file_in_any_queue_and_prints_every_section()
    {
        var id = _q.Make(QueueNames.Deferred, "a@example.com", ["b@example.com"], "Subject: s\r\n\r\nbody\r\n");
        var r = Postcat("-q", id);
        Assert.Equal(0, r.Code);
        var rel = Path.GetRelativePath(_q.QueueRoot, _q.Queue.PathOf(QueueNames.Deferred, id));
        Assert.StartsWith($"*** ENVELOPE RECORDS {rel} ***\nmessage_size: ", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nmessage_arrival_time: ", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nsender: a@example.com\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nrecipient: b@example.com\n", r.Out, StringComparison.Ordinal);
        Assert.Contains($"*** MESSAGE CONTENTS {rel} ***\nSubject: s\n\nbody\n*** HEADER EXTRACTED {rel} ***\n*** MESSAGE FILE END {rel} ***\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void H_prints_only_the_header_and_b_only_the_body()
    {
        var id = _q.Make(QueueNames.Hold, "a@b", ["c@d"], "Subject: s\r\nTo: c@d\r\n\r\nline1\r\nline2\r\n");
        Assert.Equal("Subject: s\nTo: c@d\n", Postcat("-h", "-q", id).Out);
        Assert.Equal("line1\nline2\n", Postcat("-b", "-q", id).Out);
        Assert.Equal("Subject: s\nTo: c@d\n\nline1\nline2\n", Postcat("-hb", "-q", id).Out);
    }

    [Fact]
    public void E_prints_envelope_records_without_the_text()
    {
        var id = _q.Make(QueueNames.Incoming, "a@b", ["c@d"], "Subject: s\r\n\r\nbody\r\n");
        var r = Postcat("-e", "-q", id);
        Assert.Contains("sender: a@b", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Subject: s", r.Out, StringComparison.Ordinal);
        Assert.Contains("*** MESSAGE FILE END", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void O_prints_offsets()
    {
        var id = _q.Make(QueueNames.Incoming, "a@b", ["c@d"]);
        var r = Postcat("-o", "-e", "-q", id);
        Assert.Matches(@"\n +\d+ sender: a@b\n", r.Out);
    }

    [Fact]
    public void Missing_queue_id_is_fatal()
    {
        var r = Postcat("-q", "ABCDEF12345");
        Assert.Equal(1, r.Code);
        Assert.Equal("postcat: fatal: open queue file ABCDEF12345: No such file or directory\n", r.Err);
    }

    [Fact]
    public void Bad_queue_id_is_fatal()
    {
        var r = Postcat("-q", "../x");
        Assert.Equal(1, r.Code);
        Assert.Contains("bad mail queue ID: ../x", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void File_operands_are_read_directly_and_damage_is_named()
    {
        var garbage = Path.Combine(_q.Dir, "garbage");
        File.WriteAllText(garbage, "not a queue file");
        var r = Postcat(garbage);
        Assert.Equal(0, r.Code);
        Assert.Contains("queue file", r.Out, StringComparison.Ordinal);
    }
}
