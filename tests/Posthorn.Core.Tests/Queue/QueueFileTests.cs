using System.Text;
using Posthorn.Core.Queue;

namespace Posthorn.Core.Tests.Queue;

public class QueueFileTests
{
    private static readonly DateTimeOffset Arrival = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(42 * 10);
    private const string Message = "From: a@example.com\r\nSubject: hi\r\n\r\nHello.\r\n";

    private static QueueFileWriter WriteEnvelope(QueueDirectory q)
    {
        var w = q.Enter(QueueNames.Incoming);
        w.WriteArrivalTime(Arrival);
        w.WriteAttribute(QueueAttributes.ClientName, "client.example");
        w.WriteAttribute(QueueAttributes.ClientAddress, "192.0.2.7");
        w.WriteAttribute(QueueAttributes.HeloName, "helo.example");
        w.WriteAttribute(QueueAttributes.ProtocolName, "ESMTP");
        w.WriteAttribute(QueueAttributes.SaslUsername, "alice");
        w.WriteSender("a@example.com");
        w.WriteDsnEnvid("QQ314159");
        w.WriteDsnRet("HDRS");
        w.WriteRecipient(new QueueRecipientSpec("bob@example.com", "Bob@Example.com", "SUCCESS,FAILURE", "rfc822;Bob@Example.com"));
        w.WriteRecipient(new QueueRecipientSpec("carol@example.com"));
        return w;
    }

    private static string Committed(QueueDirectory q, string content = Message)
    {
        var w = WriteEnvelope(q);
        foreach (var b in Encoding.UTF8.GetBytes(content).Chunk(7))
            w.AppendContent(b);
        w.WriteExtractedAttribute("message_id", "<1@example.com>");
        var result = w.Commit();
        Assert.True(result.Ok, result.Error);
        Assert.Equal(w.QueueId, result.QueueId);
        return w.Path;
    }

    private static string ReadContent(QueueFile file)
    {
        using var s = file.OpenContent();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return Encoding.UTF8.GetString(m.ToArray());
    }

    [Fact]
    public void Held_file_moves_before_commit_and_is_never_ready_in_incoming()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var w = WriteEnvelope(q);
        var incoming = w.Path;
        w.MoveBeforeCommit(q, QueueNames.Hold);
        Assert.False(File.Exists(incoming));
        var commit = w.Commit();
        Assert.True(commit.Ok, commit.Error);
        Assert.Equal(QueueFileStatus.Ok, QueueFileReader.Read(q.PathOf(QueueNames.Hold, commit.QueueId!)).Status);
    }

    [Fact]
    public void Writes_commits_and_reads_back_the_envelope_and_content()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var path = Committed(q);
        var r = QueueFileReader.Read(path);
        Assert.Equal(QueueFileStatus.Ok, r.Status);
        var f = r.File!;
        Assert.Equal(Arrival, f.ArrivalTime);
        Assert.Equal("a@example.com", f.Sender);
        Assert.Equal("client.example", f.Attributes[QueueAttributes.ClientName]);
        Assert.Equal("192.0.2.7", f.Attributes[QueueAttributes.ClientAddress]);
        Assert.Equal("helo.example", f.Attributes[QueueAttributes.HeloName]);
        Assert.Equal("ESMTP", f.Attributes[QueueAttributes.ProtocolName]);
        Assert.Equal("alice", f.Attributes[QueueAttributes.SaslUsername]);
        Assert.Equal("QQ314159", f.DsnEnvid);
        Assert.Equal("HDRS", f.DsnRet);
        Assert.Equal(2, f.Recipients.Count);
        var bob = f.Recipients[0];
        Assert.Equal(("bob@example.com", "Bob@Example.com", "SUCCESS,FAILURE", "rfc822;Bob@Example.com", false),
            (bob.Address, bob.OriginalRecipient, bob.DsnNotify, bob.DsnOrcpt, bob.Done));
        Assert.Null(f.Recipients[1].OriginalRecipient);
        Assert.Equal("<1@example.com>", f.ExtractedAttributes["message_id"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(Message), f.ContentLength);
        Assert.Equal(Message, ReadContent(f));
        Assert.Equal(Path.GetFileName(path), f.QueueId);
    }

    [Fact]
    public void Committed_file_is_marked_ready_with_mode_0700()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Large_content_streams_through_many_records()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var big = string.Concat(Enumerable.Repeat("0123456789abcdef\r\n", 10_000)); // 180 KB
        var path = Committed(q, big);
        var f = QueueFileReader.Read(path).File!;
        Assert.Equal(big.Length, f.ContentLength);
        Assert.Equal(big, ReadContent(f));
    }

    [Fact]
    public void Marks_a_recipient_done_in_place_and_rereads_it_as_done()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var before = File.ReadAllBytes(path);
        var f = QueueFileReader.Read(path).File!;
        Assert.True(QueueFileUpdater.MarkDone(path, f.Recipients[0], null, out var error), error);
        var after = File.ReadAllBytes(path);
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second)); // one byte changed
        var again = QueueFileReader.Read(path).File!;
        Assert.True(again.Recipients[0].Done);
        Assert.False(again.Recipients[1].Done);
        Assert.True(QueueFileUpdater.MarkDone(path, again.Recipients[0], null, out _)); // idempotent
        Assert.Equal(Message, ReadContent(again));
    }

    [Fact]
    public void MarkDone_without_sync_changes_one_byte_and_never_calls_the_file_system()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var before = File.ReadAllBytes(path);
        var f = QueueFileReader.Read(path).File!;
        var fs = new FaultyFileSystem { FailOn = "WriteInPlace" };
        Assert.True(QueueFileUpdater.MarkDone(path, f.Recipients[1], fs, sync: false, out var error), error);
        var after = File.ReadAllBytes(path);
        Assert.Equal(1, before.Zip(after).Count(p => p.First != p.Second));
        var again = QueueFileReader.Read(path).File!;
        Assert.False(again.Recipients[0].Done);
        Assert.True(again.Recipients[1].Done);
        Assert.True(QueueFileUpdater.MarkDone(path, again.Recipients[1], fs, sync: false, out _)); // idempotent
    }

    [Fact]
    public void MarkDone_without_sync_refuses_an_offset_that_is_not_a_recipient()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var before = File.ReadAllBytes(path);
        var bogus = new QueueRecipient("x", null, null, null, false, Offset: 0, Extracted: false);
        Assert.False(QueueFileUpdater.MarkDone(path, bogus, null, sync: false, out var error));
        Assert.Contains("no recipient record", error);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void File_moved_to_another_queue_keeps_what_was_read_with_its_new_path()
    {
        using var dir = new QueueTestDirectory();
        var q = new QueueDirectory(dir.Path, 1, [], false);
        var path = Committed(q);
        var f = QueueFileReader.Read(path).File!;
        q.Move(f.QueueId, QueueNames.Incoming, QueueNames.Active, sync: false);
        var moved = f.MovedTo(q.PathOf(QueueNames.Active, f.QueueId));
        Assert.Equal(f.QueueId, moved.QueueId);
        Assert.Equal(f.Sender, moved.Sender);
        Assert.Equal(f.ArrivalTime, moved.ArrivalTime);
        Assert.Equal(f.Recipients, moved.Recipients);
        Assert.Equal(f.Attributes, moved.Attributes);
        Assert.Equal(Message, ReadContent(moved));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void MarkDone_refuses_an_offset_that_is_not_a_recipient()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var bogus = new QueueRecipient("x", null, null, null, false, Offset: 0, Extracted: false);
        Assert.False(QueueFileUpdater.MarkDone(path, bogus, null, out var error));
        Assert.Contains("no recipient record", error);
    }

    [Fact]
    public void Truncated_file_reads_as_incomplete()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var bytes = File.ReadAllBytes(path);
        for (int cut = 1; cut < bytes.Length; cut += 3)
        {
            File.WriteAllBytes(path, bytes[..cut]);
            var r = QueueFileReader.Read(path);
            Assert.True(r.Status == QueueFileStatus.Incomplete, $"cut at {cut}: {r.Status} {r.Error}");
        }
    }

    [Fact]
    public void File_still_being_written_reads_as_incomplete()
    {
        using var dir = new QueueTestDirectory();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false));
        w.AppendContent("Subject: x\r\n"u8);
        var r = QueueFileReader.Read(w.Path);
        Assert.Equal(QueueFileStatus.Incomplete, r.Status);
        w.Abort();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("From someone Mon Jan 1 00:00:00 2024\nSubject: not a queue file\n")]
    public void Garbage_file_reads_as_corrupt(string text)
    {
        using var dir = new QueueTestDirectory();
        var path = Path.Combine(dir.Path, "ABCDEF");
        File.WriteAllText(path, text);
        var r = QueueFileReader.Read(path);
        Assert.Equal(QueueFileStatus.Corrupt, r.Status);
        Assert.Contains("ABCDEF", r.Error);
    }

    [Fact]
    public void Random_bytes_never_throw_from_the_reader()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var good = File.ReadAllBytes(path);
        var random = new Random(1870);
        for (int i = 0; i < 300; i++)
        {
            var bytes = (byte[])good.Clone();
            for (int k = 0; k < 1 + random.Next(4); k++)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            var r = QueueFileReader.Read(path);
            Assert.True(r.Status is QueueFileStatus.Ok or QueueFileStatus.Corrupt or QueueFileStatus.Incomplete, r.Status.ToString());
        }
    }

    [Fact]
    public void A_changed_type_byte_is_detected_as_corrupt()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var f = QueueFileReader.Read(path).File!;
        var bytes = File.ReadAllBytes(path);
        bytes[f.Recipients[1].Offset] = (byte)'?';
        File.WriteAllBytes(path, bytes);
        Assert.Equal(QueueFileStatus.Corrupt, QueueFileReader.Read(path).Status);
    }

    [Fact]
    public void Data_after_the_end_record_is_corrupt()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        File.AppendAllText(path, "E\0");
        Assert.Equal(QueueFileStatus.Corrupt, QueueFileReader.Read(path).Status);
    }

    [Fact]
    public void Missing_file_reads_as_missing()
    {
        using var dir = new QueueTestDirectory();
        Assert.Equal(QueueFileStatus.Missing, QueueFileReader.Read(Path.Combine(dir.Path, "NOPE")).Status);
    }

    [Fact]
    public void Abort_removes_the_file()
    {
        using var dir = new QueueTestDirectory();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false));
        w.AppendContent("x"u8);
        w.Abort();
        Assert.False(File.Exists(w.Path));
    }

    [Fact]
    public void Disposing_an_uncommitted_writer_removes_the_file()
    {
        using var dir = new QueueTestDirectory();
        string path;
        using (var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false)))
            path = w.Path;
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Envelope_records_after_the_content_are_a_programming_error()
    {
        using var dir = new QueueTestDirectory();
        using var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false));
        w.AppendContent("x"u8);
        Assert.Throws<InvalidOperationException>(() => w.WriteSender("late@example.com"));
    }

    [Fact]
    public void Commit_fsyncs_file_then_directory_before_returning_the_id()
    {
        using var dir = new QueueTestDirectory();
        var fs = new FaultyFileSystem();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false, fs));
        w.AppendContent("x\r\n"u8);
        fs.Calls.Clear();
        Assert.True(w.Commit().Ok);
        Assert.Equal(["SetMode", "Sync", "SyncDirectory"], fs.Calls);
    }

    [Theory]
    [InlineData("Sync")]
    [InlineData("SyncDirectory")]
    [InlineData("SetMode")]
    public void Failed_fsync_means_no_queue_id_and_no_file(string failing)
    {
        using var dir = new QueueTestDirectory();
        var fs = new FaultyFileSystem();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false, fs));
        w.AppendContent("x\r\n"u8);
        fs.FailOn = failing;
        var result = w.Commit();
        Assert.False(result.Ok);
        Assert.Null(result.QueueId);
        Assert.Contains("queue file write error", result.Error);
        Assert.False(File.Exists(w.Path));
    }

    [Fact]
    public void Failed_rename_on_enter_leaves_no_temporary_file()
    {
        using var dir = new QueueTestDirectory();
        var fs = new FaultyFileSystem { FailOn = "Rename" };
        var q = new QueueDirectory(dir.Path, 1, [], false, fs);
        Assert.Throws<IOException>(() => q.Enter(QueueNames.Incoming));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, "incoming")));
    }

    [Fact]
    public void Failed_in_place_write_reports_the_recipient_not_done()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var f = QueueFileReader.Read(path).File!;
        var fs = new FaultyFileSystem { FailOn = "WriteInPlace" };
        Assert.False(QueueFileUpdater.MarkDone(path, f.Recipients[0], fs, out var error));
        Assert.Contains("simulated", error);
        Assert.False(QueueFileReader.Read(path).File!.Recipients[0].Done);
    }

    [Fact]
    public void Extracted_recipients_are_read_after_the_envelope_ones()
    {
        using var dir = new QueueTestDirectory();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false));
        w.AppendContent("To: dave@example.com\r\n\r\n"u8);
        w.WriteExtractedRecipient(new QueueRecipientSpec("dave@example.com"));
        Assert.True(w.Commit().Ok);
        var f = QueueFileReader.Read(w.Path).File!;
        Assert.Equal(3, f.Recipients.Count);
        Assert.True(f.Recipients[2].Extracted);
        Assert.Equal("dave@example.com", f.Recipients[2].Address);
    }

    [Fact]
    public void Empty_message_commits_and_reads()
    {
        using var dir = new QueueTestDirectory();
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false));
        Assert.True(w.Commit().Ok);
        var f = QueueFileReader.Read(w.Path).File!;
        Assert.Equal(0, f.ContentLength);
        Assert.Equal("", ReadContent(f));
    }

    [Fact]
    public void Dump_shows_envelope_content_extracted_and_end_like_postcat()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var f = QueueFileReader.Read(path).File!;
        QueueFileUpdater.MarkDone(path, f.Recipients[1], null, out _);
        var output = new StringWriter();
        Assert.Equal(QueueFileStatus.Ok, QueueFileDump.Write(path, output));
        var text = output.ToString();
        Assert.Contains($"*** ENVELOPE RECORDS {path} ***", text);
        Assert.Contains("message_arrival_time: Tue Nov 14 22:13:20 2023", text);
        Assert.Contains("sender: a@example.com", text);
        Assert.Contains("named_attribute: client_name=client.example", text);
        Assert.Contains("recipient: bob@example.com", text);
        Assert.Contains("done_recipient: carol@example.com", text);
        Assert.Contains($"*** MESSAGE CONTENTS {path} ***\nFrom: a@example.com\nSubject: hi\n\nHello.\n", text.ReplaceLineEndings("\n"));
        Assert.Contains($"*** HEADER EXTRACTED {path} ***", text);
        Assert.EndsWith($"*** MESSAGE FILE END {path} ***", text.TrimEnd());
    }

    [Fact]
    public void Dump_with_offsets_prefixes_record_offsets()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var output = new StringWriter();
        QueueFileDump.Write(path, output, showOffsets: true);
        Assert.Contains("        0 message_size:", output.ToString());
    }

    [Fact]
    public void Dump_of_a_truncated_file_names_the_problem()
    {
        using var dir = new QueueTestDirectory();
        var path = Committed(new QueueDirectory(dir.Path, 1, [], false));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);
        var output = new StringWriter();
        Assert.Equal(QueueFileStatus.Incomplete, QueueFileDump.Write(path, output));
        Assert.Contains("incomplete queue file", output.ToString());
    }

    [Fact]
    public void Disk_full_while_streaming_content_is_reported_at_commit_and_the_file_removed()
    {
        using var dir = new QueueTestDirectory();
        var fs = new FaultyFileSystem { DiskFullAfter = 40_000 };
        var w = WriteEnvelope(new QueueDirectory(dir.Path, 1, [], false, fs));
        var line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        for (int i = 0; i < 100; i++)
            w.AppendContent(line); // never throws: the receiver keeps reading the client's DATA
        Assert.Contains("No space left on device", w.WriteError);
        var result = w.Commit();
        Assert.False(result.Ok);
        Assert.Contains("No space left on device", result.Error);
        Assert.False(File.Exists(w.Path));
    }
}
