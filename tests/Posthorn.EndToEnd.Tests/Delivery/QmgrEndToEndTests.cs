using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Posthorn.Core.Queue;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// qmgr with the error and discard agents in a running Posthorn: a queue file dropped into
/// incoming is delivered, bounced, reported back to the sender through cleanup, and logged in
/// Postfix's format.
/// </summary>
public class QmgrEndToEndTests
{
    private const string MasterCf = """
        qmgr      unix  n       -       n       300     1       qmgr
        error     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        """;

    private const string MainCf = """
        myhostname = mail.example.com
        mydomain = example.com
        myorigin = example.com
        mydestination =
        transport_maps = texthash:$config_directory/transport

        """;

    [Fact]
    public void Error_destination_comes_back_to_the_sender_as_a_bounce_in_the_queue()
    {
        using var ms = new MailSystem(MasterCf + "\n", extraMainCf: MainCf);
        File.WriteAllText(Path.Combine(ms.Dir, "transport"), "fail.example error:5.1.1 mailbox unavailable\ndiscard.example discard:silently\n");
        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);
        var queueDir = Path.Combine(ms.Dir, "queue");
        var queue = new QueueDirectory(queueDir, 1, ["deferred", "defer"], false);

        string id;
        using (var w = queue.Enter(QueueNames.Incoming))
        {
            w.WriteArrivalTime(DateTimeOffset.UtcNow);
            w.WriteSender("sender@example.com");
            w.WriteRecipient(new QueueRecipientSpec("user@fail.example", "user@fail.example"));
            w.WriteRecipient(new QueueRecipientSpec("other@discard.example", "other@discard.example"));
            w.AppendContent(Encoding.ASCII.GetBytes("From: <sender@example.com>\r\nTo: <user@fail.example>\r\nSubject: hello\r\nMessage-ID: <e2e@example.com>\r\n\r\nHello.\r\n"));
            var commit = w.Commit();
            Assert.True(commit.Ok, commit.Error);
            id = commit.QueueId!;
        }
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["postfix", queue.PathOf(QueueNames.Incoming, id)]);
        using (var fifo = new FileStream(Path.Combine(queueDir, "public", "qmgr"), FileMode.Open, FileAccess.Write))
            fifo.Write("I"u8);

        Assert.True(ms.WaitForLog($"{id}: removed", 20_000), ms.Log);
        var log = ms.Log;
        var d = @"delay=\d+(\.\d+)?, delays=[\d.]+/[\d.]+/[\d.]+/[\d.]+";
        Assert.Matches($@"posthorn/qmgr\[\d+\]: {id}: from=<sender@example.com>, size=\d+, nrcpt=2 \(queue active\)", log);
        Assert.Matches($@"posthorn/error\[\d+\]: {id}: to=<user@fail.example>, relay=none, {d}, dsn=5.1.1, status=bounced \(mailbox unavailable\)", log);
        Assert.Matches($@"posthorn/discard\[\d+\]: {id}: to=<other@discard.example>, relay=none, {d}, dsn=2.0.0, status=sent \(silently\)", log);
        var notice = Regex.Match(log, $@"posthorn/bounce\[\d+\]: {id}: sender non-delivery notification: (\w+)");
        Assert.True(notice.Success, log);
        var bounceId = notice.Groups[1].Value;

        // The notice is mail from <> to the sender; no smtp transport runs, so it waits in deferred.
        Assert.True(ms.WaitForLog($"{bounceId}: to=<sender@example.com>", 20_000), ms.Log);
        Assert.Matches($@"{bounceId}: from=<>, size=\d+, nrcpt=1 \(queue active\)", ms.Log);
        Assert.Matches($@"{bounceId}: to=<sender@example.com>, relay=none, {d}, dsn=4.3.0, status=deferred \(mail transport unavailable\)", ms.Log);
        var path = queue.PathOf(QueueNames.Deferred, bounceId);
        var sw = Stopwatch.StartNew();
        while (!File.Exists(path) && sw.ElapsedMilliseconds < 10_000)
            Thread.Sleep(50);
        var read = QueueFileReader.Read(path);
        Assert.True(read.Ok, read.Error);
        Assert.Equal("", read.File!.Sender);
        Assert.Equal("sender@example.com", Assert.Single(read.File.Recipients).Address);
        using var content = new StreamReader(read.File.OpenContent());
        var text = content.ReadToEnd();
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", text, StringComparison.Ordinal);
        Assert.Contains("Final-Recipient: rfc822; user@fail.example", text, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", text, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <e2e@example.com>", text, StringComparison.Ordinal);
    }
}
