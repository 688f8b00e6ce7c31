using System.Text;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class MboxTests
{
    private static readonly DateTime When = new(2026, 11, 4, 9, 5, 1, DateTimeKind.Local);
    private static readonly MailboxLockOptions Fast = new([LockMethod.Fcntl, LockMethod.Dotlock], 3, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(500));

    private static MemoryStream Msg(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void From_line_is_Postfix_style_with_two_spaces_and_asctime()
    {
        Assert.Equal("From alice@example.com  Wed Nov  4 09:05:01 2026\n", MboxWriter.FromLine("alice@example.com", When));
        Assert.Equal("From MAILER-DAEMON  Wed Nov  4 09:05:01 2026\n", MboxWriter.FromLine("", When));
        Assert.Equal("From \"a b\"@example.com  Wed Nov  4 09:05:01 2026\n", MboxWriter.FromLine("a b@example.com", When));
    }

    [Fact]
    public void Append_quotes_From_lines_mboxo_style_and_ends_with_a_blank_line()
    {
        using var d = new TempDir();
        var box = d["alice"];
        MboxWriter.Append(box, "bob@example.com", When, Msg("Subject: x\r\n\r\nFrom here\r\n>From there\r\nFromage\r\n From\r\nlast"), Fast);
        Assert.Equal(
            "From bob@example.com  Wed Nov  4 09:05:01 2026\n" +
            "Subject: x\n\n>From here\n>From there\nFromage\n From\nlast\n\n",
            File.ReadAllText(box));
    }

    [Fact]
    public void Quoting_works_across_read_boundaries()
    {
        using var d = new TempDir();
        var box = d["alice"];
        MboxWriter.Append(box, "b", When, new TrickleStream(Encoding.ASCII.GetBytes("H: v\n\nFrom x\nFro\nFrom")), Fast);
        Assert.EndsWith("H: v\n\n>From x\nFro\nFrom\n\n", File.ReadAllText(box), StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_message_is_appended_after_the_first()
    {
        using var d = new TempDir();
        var box = d["alice"];
        MboxWriter.Append(box, "a", When, Msg("S: 1\n\none\n"), Fast);
        MboxWriter.Append(box, "b", When, Msg("S: 2\n\ntwo\n"), Fast);
        var text = File.ReadAllText(box);
        Assert.Equal(2, text.Split("\nFrom ").Length);
        Assert.StartsWith("From a  ", text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(box));
    }

    [Fact]
    public void A_failed_append_truncates_the_mailbox_to_its_original_size()
    {
        using var d = new TempDir();
        var box = d["alice"];
        MboxWriter.Append(box, "a", When, Msg("S: 1\n\none\n"), Fast);
        var before = File.ReadAllBytes(box);
        var big = new string('x', 200_000); // larger than one buffer, so part of it reaches the file
        Assert.Throws<IOException>(() => MboxWriter.Append(box, "b", When, new FailingStream(Encoding.ASCII.GetBytes("S: 2\n\n" + big)), Fast));
        Assert.Equal(before, File.ReadAllBytes(box));
        Assert.False(File.Exists(box + ".lock"));
    }

    [Fact]
    public void Reader_splits_messages_and_ignores_quoted_From_lines()
    {
        using var d = new TempDir();
        var path = d["alice"];
        MboxWriter.Append(path, "a", When, Msg("Subject: one\n\nFrom inside\nbody\n"), Fast);
        MboxWriter.Append(path, "b", When, Msg("Subject: two\nStatus: RO\nX-Status: AF\n\nsecond\n"), Fast);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal([1u, 2u], box.Messages.Select(m => m.Uid));
        Assert.Equal("Subject: one\n\n>From inside\nbody\n", new StreamReader(box.OpenMessage(1)!).ReadToEnd());
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged, box.Messages[1].Flags);
        Assert.Equal(box.Messages[0].Size + 4, box.Messages[0].VirtualSize);
        Assert.Equal(new DateTimeOffset(When), box.Messages[0].InternalDate);
    }

    [Fact]
    public void Reader_accepts_a_mailbox_written_by_other_programs()
    {
        using var d = new TempDir();
        var path = d["alice"];
        File.WriteAllText(path, "From x@y Thu Jan  1 00:00:00 2026\nSubject: a\n\nA\n\nFrom z@y Thu Jan  1 00:00:01 2026\nSubject: b\n\nB");
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal(2, box.Messages.Count);
        Assert.Equal("Subject: a\n\nA\n", new StreamReader(box.OpenMessage(1)!).ReadToEnd());
        Assert.Equal("Subject: b\n\nB", new StreamReader(box.OpenMessage(2)!).ReadToEnd());
    }

    [Fact]
    public void Uids_and_flags_survive_reopening_and_new_deliveries()
    {
        using var d = new TempDir();
        var path = d["alice"];
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <1@x>\n\none\n"), Fast);
        using (var box = MboxMailbox.Open(path, lockOptions: Fast))
            box.SetFlags(1, MessageFlags.Seen);
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <2@x>\n\ntwo\n"), Fast);
        using var again = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal([1u, 2u], again.Messages.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, again.Messages[0].Flags);
    }

    [Fact]
    public void Status_headers_rewritten_by_another_reader_keep_the_uid_and_change_the_flags()
    {
        using var d = new TempDir();
        var path = d["alice"];
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <1@x>\nSubject: s\n\none\n"), Fast);
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <2@x>\n\ntwo\n"), Fast);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        box.SetFlags(2, MessageFlags.Flagged);
        // What mutt or s-nail does when the user reads message 1 and quits.
        File.WriteAllText(path, File.ReadAllText(path).Replace("Subject: s\n", "Subject: s\nStatus: RO\n", StringComparison.Ordinal));
        box.Refresh();
        Assert.Equal([1u, 2u], box.Messages.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, box.Messages[0].Flags);
        Assert.Equal(MessageFlags.Flagged, box.Messages[1].Flags);
        Assert.Equal("Message-ID: <1@x>\nSubject: s\nStatus: RO\n\none\n", new StreamReader(box.OpenMessage(1)!).ReadToEnd());
        box.SetFlags(1, MessageFlags.Seen | MessageFlags.Answered);
        Assert.Equal(MessageFlags.Seen | MessageFlags.Answered, box.Refresh()[0].Flags);
    }

    [Fact]
    public void Identical_messages_get_different_uids()
    {
        using var d = new TempDir();
        var path = d["alice"];
        MboxWriter.Append(path, "a", When, Msg("S: same\n\nsame\n"), Fast);
        MboxWriter.Append(path, "a", When, Msg("S: same\n\nsame\n"), Fast);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal([1u, 2u], box.Messages.Select(m => m.Uid));
    }

    [Fact]
    public void Expunge_rewrites_in_place_and_keeps_the_other_uids()
    {
        using var d = new TempDir();
        var path = d["alice"];
        for (int i = 1; i <= 3; i++)
            MboxWriter.Append(path, "a", When, Msg($"Message-ID: <{i}@x>\n\nbody {i}\n"), Fast);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        box.SetFlags(2, MessageFlags.Deleted);
        Assert.Equal([2u], box.Expunge());
        Assert.Equal([1u, 3u], box.Messages.Select(m => m.Uid));
        Assert.DoesNotContain("body 2", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal("Message-ID: <3@x>\n\nbody 3\n", new StreamReader(box.OpenMessage(3)!).ReadToEnd());
        Assert.False(File.Exists(path + ".posthorn-expunge"));
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <4@x>\n\nbody 4\n"), Fast);
        Assert.Equal([1u, 3u, 4u], box.Refresh().Select(m => m.Uid));
    }

    [Fact]
    public void Expunge_moves_messages_larger_than_its_copy_buffer()
    {
        using var d = new TempDir();
        var path = d["alice"];
        var big = new string('y', 150_000);
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <1@x>\n\nsmall\n"), Fast);
        MboxWriter.Append(path, "a", When, Msg($"Message-ID: <2@x>\n\n{big}\n"), Fast);
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <3@x>\n\nlast\n"), Fast);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        box.SetFlags(1, MessageFlags.Deleted);
        Assert.Equal([1u], box.Expunge());
        Assert.Equal($"Message-ID: <2@x>\n\n{big}\n", new StreamReader(box.OpenMessage(2)!).ReadToEnd());
        Assert.Equal("Message-ID: <3@x>\n\nlast\n", new StreamReader(box.OpenMessage(3)!).ReadToEnd());
        Assert.StartsWith("From a  ", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void An_interrupted_expunge_is_undone_on_the_next_open()
    {
        using var d = new TempDir();
        var path = d["alice"];
        MboxWriter.Append(path, "a", When, Msg("Message-ID: <1@x>\n\none\n"), Fast);
        var whole = File.ReadAllBytes(path);
        // A crash after the journal was written and the file half compacted.
        File.WriteAllBytes(path + ".posthorn-expunge", [.. BitConverter.GetBytes(0L), .. whole]);
        File.WriteAllBytes(path, whole[..10]);
        using var box = MboxMailbox.Open(path, lockOptions: Fast);
        Assert.Equal(whole, File.ReadAllBytes(path));
        Assert.Single(box.Messages);
    }

    [Fact]
    public void Append_through_the_mailbox_sets_flags()
    {
        using var d = new TempDir();
        using var box = MboxMailbox.Open(d["alice"], lockOptions: Fast);
        Assert.Empty(box.Messages);
        var uid = box.Append(Msg("Subject: draft\n\nx\n"), MessageFlags.Draft, new DateTimeOffset(When));
        Assert.Equal(1u, uid);
        Assert.Equal(MessageFlags.Draft, box.Messages.Single().Flags);
        Assert.StartsWith("From MAILER-DAEMON  Wed Nov  4 09:05:01 2026\n", File.ReadAllText(d["alice"]), StringComparison.Ordinal);
    }
}

/// <summary>Returns one byte per read, to test state kept across reads.</summary>
internal sealed class TrickleStream(byte[] data) : Stream
{
    private int _pos;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _pos; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_pos >= data.Length || count == 0)
            return 0;
        buffer[offset] = data[_pos++];
        return 1;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
