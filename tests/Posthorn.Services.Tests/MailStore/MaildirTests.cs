using System.Text;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Tests.MailStore;

public sealed class MaildirTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static MemoryStream Msg(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Delivery_writes_into_new_with_a_unique_name_and_sizes_and_leaves_tmp_empty()
    {
        using var d = new TempDir();
        var path = MaildirWriter.Deliver(d.Path, Msg("Subject: hi\n\nbody\n"), Arrival, "mx.example.com");
        Assert.Equal(d["new"], Path.GetDirectoryName(path));
        var name = Path.GetFileName(path);
        Assert.Matches(@"^\d+\.M\d+P\d+Q\d+R[0-9a-f]{8}\.mx\.example\.com,S=18,W=21$", name);
        Assert.Equal("Subject: hi\n\nbody\n", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(d["tmp"]));
        Assert.True(Directory.Exists(d["cur"]));
        Assert.Equal(Arrival.UtcDateTime, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Host_name_slashes_colons_and_commas_are_escaped()
    {
        var name = MaildirFileName.NewBaseName(Arrival, "a/b:c,d", 1, 1);
        Assert.Contains(@".a\057b\072c\054d,S=1", name, StringComparison.Ordinal);
        Assert.Equal(1, MaildirFileName.SizeField(name, 'S'));
    }

    [Fact]
    public void Two_deliveries_in_the_same_second_get_different_names()
    {
        using var d = new TempDir();
        var a = MaildirWriter.Deliver(d.Path, Msg("a"), Arrival, "h");
        var b = MaildirWriter.Deliver(d.Path, Msg("b"), Arrival, "h");
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_failed_delivery_leaves_nothing_behind()
    {
        using var d = new TempDir();
        Assert.Throws<IOException>(() => MaildirWriter.Deliver(d.Path, new FailingStream(Encoding.ASCII.GetBytes("Subject: x\n\npartial")), Arrival, "h"));
        Assert.Empty(Directory.GetFiles(d["tmp"]));
        Assert.Empty(Directory.GetFiles(d["new"]));
    }

    [Fact]
    public void Reading_moves_new_to_cur_with_empty_info_and_assigns_uids_in_arrival_order()
    {
        using var d = new TempDir();
        MaildirWriter.Deliver(d.Path, Msg("one\n"), Arrival, "h");
        MaildirWriter.Deliver(d.Path, Msg("two\n"), Arrival.AddSeconds(1), "h");
        using var box = MaildirMailbox.Open(d.Path);
        Assert.Empty(Directory.GetFiles(d["new"]));
        Assert.All(Directory.GetFiles(d["cur"]), f => Assert.EndsWith(":2,", f, StringComparison.Ordinal));
        Assert.Equal([1u, 2u], box.Messages.Select(m => m.Uid));
        Assert.Equal(3u, box.UidNext);
        Assert.Equal("two\n", new StreamReader(box.OpenMessage(2)!).ReadToEnd());
        Assert.Equal(4, box.Messages[0].Size);
        Assert.Equal(5, box.Messages[0].VirtualSize);
        Assert.Equal(Arrival, box.Messages[0].InternalDate);
    }

    [Fact]
    public void Flags_are_kept_in_file_names_in_ASCII_order_as_mutt_and_dovecot_expect()
    {
        using var d = new TempDir();
        MaildirWriter.Deliver(d.Path, Msg("x\n"), Arrival, "h");
        using var box = MaildirMailbox.Open(d.Path);
        Assert.True(box.SetFlags(1, MessageFlags.Seen | MessageFlags.Answered | MessageFlags.Flagged | MessageFlags.Deleted | MessageFlags.Draft | MessageFlags.Passed));
        Assert.EndsWith(":2,DFPRST", Directory.GetFiles(d["cur"]).Single(), StringComparison.Ordinal);
        box.SetFlags(1, MessageFlags.Seen);
        Assert.EndsWith(":2,S", Directory.GetFiles(d["cur"]).Single(), StringComparison.Ordinal);
        using var again = MaildirMailbox.Open(d.Path);
        Assert.Equal(MessageFlags.Seen, again.Messages.Single().Flags);
    }

    [Fact]
    public void Keyword_letters_of_other_readers_survive_a_flag_change()
    {
        using var d = new TempDir();
        var p = MaildirWriter.Deliver(d.Path, Msg("x\n"), Arrival, "h");
        File.Move(p, Path.Combine(d["cur"], Path.GetFileName(p) + ":2,Sab"));
        using var box = MaildirMailbox.Open(d.Path);
        Assert.Equal(MessageFlags.Seen, box.Messages[0].Flags);
        box.SetFlags(1, MessageFlags.Seen | MessageFlags.Flagged);
        Assert.EndsWith(":2,FSab", Directory.GetFiles(d["cur"]).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_message_renamed_by_another_session_is_still_found()
    {
        using var d = new TempDir();
        MaildirWriter.Deliver(d.Path, Msg("x\n"), Arrival, "h");
        using var a = MaildirMailbox.Open(d.Path);
        using var b = MaildirMailbox.Open(d.Path);
        b.SetFlags(1, MessageFlags.Seen);
        using var s = a.OpenMessage(1);
        Assert.NotNull(s);
        Assert.True(a.SetFlags(1, MessageFlags.Flagged));
        Assert.EndsWith(":2,F", Directory.GetFiles(d["cur"]).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Expunge_removes_deleted_messages_and_keeps_other_uids()
    {
        using var d = new TempDir();
        for (int i = 0; i < 3; i++)
            MaildirWriter.Deliver(d.Path, Msg($"m{i}\n"), Arrival.AddSeconds(i), "h");
        using var box = MaildirMailbox.Open(d.Path);
        box.SetFlags(2, MessageFlags.Deleted);
        Assert.Equal([2u], box.Expunge());
        Assert.Equal([1u, 3u], box.Messages.Select(m => m.Uid));
        MaildirWriter.Deliver(d.Path, Msg("m3\n"), Arrival.AddSeconds(5), "h");
        Assert.Equal([1u, 3u, 4u], box.Refresh().Select(m => m.Uid));
    }

    [Fact]
    public void Uids_and_uidvalidity_survive_reopening()
    {
        using var d = new TempDir();
        MaildirWriter.Deliver(d.Path, Msg("a\n"), Arrival, "h");
        uint validity;
        using (var box = MaildirMailbox.Open(d.Path))
            validity = box.UidValidity;
        MaildirWriter.Deliver(d.Path, Msg("b\n"), Arrival.AddSeconds(1), "h");
        using var again = MaildirMailbox.Open(d.Path);
        Assert.Equal(validity, again.UidValidity);
        Assert.Equal([1u, 2u], again.Messages.Select(m => m.Uid));
        Assert.StartsWith($"posthorn-uidlist 1 {validity} 3\n1\t", File.ReadAllText(d[UidList.FileName]), StringComparison.Ordinal);
    }

    [Fact]
    public void Append_stores_in_cur_with_flags_and_date()
    {
        using var d = new TempDir();
        using var box = MaildirMailbox.Open(d.Path);
        var uid = box.Append(Msg("draft\n"), MessageFlags.Draft | MessageFlags.Seen, Arrival);
        Assert.Equal(1u, uid);
        Assert.Equal(MessageFlags.Draft | MessageFlags.Seen, box.Messages.Single().Flags);
        Assert.EndsWith(":2,DS", Directory.GetFiles(d["cur"]).Single(), StringComparison.Ordinal);
        Assert.Equal(Arrival, box.Messages.Single().InternalDate);
    }

    [Fact]
    public void Messages_delivered_by_other_programs_get_sizes_from_the_file()
    {
        using var d = new TempDir();
        MaildirWriter.EnsureMaildir(d.Path);
        // Postfix's own maildir name: no ,S= or ,W=.
        File.WriteAllText(Path.Combine(d["new"], "1764000000.V801I5f2M123456.mx"), "a\nb\n");
        using var box = MaildirMailbox.Open(d.Path);
        Assert.Equal(4, box.Messages.Single().Size);
        Assert.Equal(6, box.Messages.Single().VirtualSize);
    }

    [Fact]
    public void Stale_tmp_files_are_removed_on_open_and_fresh_ones_kept()
    {
        using var d = new TempDir();
        MaildirWriter.EnsureMaildir(d.Path);
        var stale = Path.Combine(d["tmp"], "1.M1P1.h");
        var fresh = Path.Combine(d["tmp"], "2.M2P2.h");
        File.WriteAllText(stale, "x");
        File.WriteAllText(fresh, "y");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-40));
        File.SetLastAccessTimeUtc(stale, DateTime.UtcNow.AddHours(-40));
        using var box = MaildirMailbox.Open(d.Path);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void ChangeStamp_changes_on_new_mail()
    {
        using var d = new TempDir();
        using var box = MaildirMailbox.Open(d.Path);
        var before = box.ChangeStamp();
        Thread.Sleep(20);
        MaildirWriter.Deliver(d.Path, Msg("a\n"), Arrival, "h");
        Assert.NotEqual(before, box.ChangeStamp());
    }
}

/// <summary>A stream that returns its data, then fails as a broken connection or disk would.</summary>
internal sealed class FailingStream(byte[] data) : Stream
{
    private int _pos;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _pos; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_pos >= data.Length)
            throw new IOException("simulated read error");
        int n = Math.Min(count, data.Length - _pos);
        Array.Copy(data, _pos, buffer, offset, n);
        _pos += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
