using System.Text;
using Posthorn.Core.Queue;
using Posthorn.Services.Bounce;
using Posthorn.Services.Delivery;
using Posthorn.Services.Tests.Qmgr;

namespace Posthorn.Services.Tests.Delivery;

public class CleanupSubmitterTests
{
    [Fact]
    public async Task Submission_goes_through_cleanup_into_incoming_and_triggers_qmgr()
    {
        using var h = new QmgrHarness();
        int triggers = 0;
        var submitter = new CleanupSubmitter(h.Config, h.Queue, new Posthorn.Core.Maps.TableMapResolver(h.Config), Posthorn.Core.Logging.MailLog.Null,
            () => triggers++, h.Time);
        using var content = new MemoryStream(Encoding.ASCII.GetBytes("Subject: forwarded\nTo: joe\n\nbody line\n"));
        var id = await submitter.SubmitAsync(new MailSubmission("alice", [new DeliveryRecipient(0, "joe@remote.example", Notify: DsnNotify.Success | DsnNotify.Failure)],
            content, "local", EnvelopeId: "env-1", Return: DsnReturn.Headers), default);

        Assert.Equal(1, triggers);
        var read = QueueFileReader.Read(h.Queue.PathOf(QueueNames.Incoming, id));
        Assert.True(read.Ok, read.Error);
        var f = read.File!;
        Assert.Equal("alice@example.com", f.Sender);
        Assert.Equal("env-1", f.DsnEnvid);
        Assert.Equal("HDRS", f.DsnRet);
        var r = Assert.Single(f.Recipients);
        Assert.Equal(("joe@remote.example", "SUCCESS,FAILURE"), (r.Address, r.DsnNotify));
        var text = QmgrHarness.Content(f);
        Assert.Contains("To: joe@example.com\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"Message-Id: <", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nbody line\r\n", text, StringComparison.Ordinal);
    }
}
