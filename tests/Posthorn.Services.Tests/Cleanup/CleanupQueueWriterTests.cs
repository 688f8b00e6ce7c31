using System.Buffers;
using System.Text;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Queue;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Tests.Smtpd.Restrictions;

namespace Posthorn.Services.Tests.Cleanup;

public sealed class CleanupQueueWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cqw").FullName;

    private (CleanupProcessor, QueueDirectory) Make(string extra = "")
    {
        var config = MainConfig.FromText($"""
            myhostname = mail.example.com
            mydomain = example.com
            myorigin = $mydomain
            queue_directory = {_dir}
            {extra}
            """);
        var queue = QueueDirectory.FromConfig(config);
        queue.EnsureDirectories();
        return (new CleanupProcessor(config, new TestMaps()), queue);
    }

    [Theory]
    [InlineData(new byte[] { 0x41, 0xE9, 0x42 })]
    [InlineData(new byte[] { 0xC3, 0xA9, 0x00, 0xFF, 0xC3 })]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0x80 })]
    public void Content_text_round_trips_every_byte(byte[] bytes)
    {
        var text = ContentText.Decode(bytes);
        var output = new ArrayBufferWriter<byte>();
        ContentText.Encode(text, output);
        Assert.Equal(bytes, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Utf8_lines_decode_as_text()
    {
        Assert.Equal("Grüße", ContentText.Decode(Encoding.UTF8.GetBytes("Grüße")));
    }

    [Fact]
    public async Task Submit_writes_a_committed_queue_file_with_dsn_data()
    {
        var (processor, queue) = Make();
        var submission = new CleanupSubmission("alice", [new CleanupRecipient("bob@example.org", DsnNotify: 2 | 4, DsnOrcpt: "rfc822;bob@example.org")],
            CleanupClient.Local(1000), LocalHeaderRewrite: true)
        { DsnEnvid = "env-1", DsnRet = "HDRS" };
        var content = new MemoryStream(Encoding.UTF8.GetBytes("Subject: test\n\nline 1\nline 2\n"));
        var outcome = await CleanupQueueWriter.SubmitAsync(processor, queue, MailLog.Null, submission, content, CancellationToken.None);
        Assert.True(outcome.Queued);
        Assert.Equal($"250 2.0.0 Ok: queued as {outcome.QueueId}", outcome.Reply);
        var read = QueueFileReader.Read(queue.PathOf(QueueNames.Incoming, outcome.QueueId));
        Assert.True(read.Ok, read.Error);
        Assert.Equal("alice@example.com", read.File!.Sender);
        var r = Assert.Single(read.File.Recipients);
        Assert.Equal("SUCCESS,FAILURE", r.DsnNotify);
        Assert.Equal("rfc822;bob@example.org", r.DsnOrcpt);
        Assert.Equal("env-1", read.File.DsnEnvid);
        Assert.Equal("HDRS", read.File.DsnRet);
        using var text = new StreamReader(read.File.OpenContent());
        var all = text.ReadToEnd();
        Assert.StartsWith("Received: by mail.example.com (Posthorn, from userid 1000)", all);
        Assert.EndsWith("\r\n\r\nline 1\r\nline 2\r\n", all);
    }

    [Fact]
    public void Abort_leaves_no_file()
    {
        var (processor, queue) = Make();
        using var w = CleanupQueueWriter.Open(processor, queue, MailLog.Null);
        w.Begin(new CleanupSubmission("a@example.com", [new CleanupRecipient("b@example.com")], CleanupClient.Local(0), true));
        w.Write("Subject: x\r\n\r\nhalf"u8);
        w.Abort();
        Assert.Empty(queue.Enumerate(QueueNames.Incoming));
    }

    [Fact]
    public void Restriction_actions_hold_redirect_and_bcc_are_carried_out()
    {
        var (processor, queue) = Make();
        using var w = CleanupQueueWriter.Open(processor, queue, MailLog.Null);
        w.Begin(new CleanupSubmission("a@example.com", [new CleanupRecipient("b@example.com")], new CleanupClient("h", "192.0.2.1", "h"), false)
        {
            HoldReason = "",
            Redirect = "spam@example.com",
            Bcc = ["copy@example.com"],
            Prepend = ["X-Checked: yes"],
        });
        w.Write("Subject: x\r\n\r\nbody\r\n"u8);
        var outcome = w.Finish();
        Assert.Equal(QueueNames.Hold, outcome.QueueName);
        var file = QueueFileReader.Read(queue.PathOf(QueueNames.Hold, outcome.QueueId)).File!;
        Assert.Equal(["spam@example.com", "copy@example.com"], file.Recipients.Select(r => r.Address));
        Assert.Equal("b@example.com", file.Recipients[0].OriginalRecipient);
        using var text = new StreamReader(file.OpenContent());
        Assert.Contains("\r\nX-Checked: yes\r\nSubject: x\r\n", text.ReadToEnd());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}
