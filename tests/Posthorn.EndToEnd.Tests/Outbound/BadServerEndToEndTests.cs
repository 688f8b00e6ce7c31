using System.Net;
using Posthorn.Services.Tests.SmtpClient;

namespace Posthorn.EndToEnd.Tests.Outbound;

/// <summary>
/// Bad input from remote servers (issue 6, "Must show"): a server that answers garbage, one that
/// stalls past smtp_mail_timeout, and one that drops the connection in the middle of DATA each
/// leave the message deferred in the queue; once a well-behaved server takes the address,
/// `postqueue -f` delivers every message. Nothing is lost.
/// </summary>
public sealed class BadServerEndToEndTests
{
    [Fact]
    public async Task Garbage_stall_and_drop_in_DATA_defer_and_later_deliver()
    {
        var garbage = IPAddress.Parse("127.0.6.6");
        var stall = IPAddress.Parse("127.0.6.7");
        var drop = IPAddress.Parse("127.0.6.8");
        using var sys = new OutboundSystem(
        [
            "--mx-host=garbage.test,mx.garbage.test,10", $"--host-record=mx.garbage.test,{garbage}",
            "--mx-host=stall.test,mx.stall.test,10", $"--host-record=mx.stall.test,{stall}",
            "--mx-host=drop.test,mx.drop.test,10", $"--host-record=mx.drop.test,{drop}",
        ]);
        var bad = new List<TestSmtpServer>
        {
            new(garbage, sys.RemotePort) { GarbageAfterMail = "\u0001\u0002 this is not SMTP" },
            new(stall, sys.RemotePort) { StallAfterMail = true },
            new(drop, sys.RemotePort) { DropInData = true },
        };
        try
        {
            foreach (var d in new[] { "garbage", "stall", "drop" })
                sys.Submit("sender@local.test", [$"user@{d}.test"], $"to {d}", body: string.Concat(Enumerable.Repeat("a line of the body\n", 2000)));
            Assert.True(sys.WaitForCount("status=deferred", 3, 30_000), sys.Log);
            var log = sys.Log;
            sys.AssertLog(@"to=<user@garbage\.test>, .*status=deferred \(host mx\.garbage\.test\[127\.0\.6\.6\] said: .*this is not SMTP \(in reply to MAIL FROM command\)\)");
            sys.AssertLog(@"to=<user@stall\.test>, .*status=deferred \(conversation with mx\.stall\.test\[127\.0\.6\.7\] timed out while sending MAIL FROM\)");
            sys.AssertLog(@"to=<user@drop\.test>, .*status=deferred \(lost connection with mx\.drop\.test\[127\.0\.6\.8\] while sending (message body|end of data -- message may be sent more than once)\)");
            Assert.Equal(3, sys.QueuedCount());
            Assert.Empty(sys.SenderMailbox());
        }
        finally
        {
            foreach (var s in bad)
                await s.DisposeAsync();
        }

        await using var g = new TestSmtpServer(garbage, sys.RemotePort);
        await using var s2 = new TestSmtpServer(stall, sys.RemotePort);
        await using var d2 = new TestSmtpServer(drop, sys.RemotePort);
        sys.Flush();
        Assert.True(sys.WaitForCount("status=sent", 3, 30_000), sys.Log);
        foreach (var (server, name) in new[] { (g, "garbage"), (s2, "stall"), (d2, "drop") })
        {
            var m = Assert.Single(server.Messages);
            Assert.Equal([$"user@{name}.test"], m.Recipients);
            Assert.Equal(2000, m.Content.Split("a line of the body").Length - 1);
        }
        Assert.True(sys.WaitForCount(": removed", 3), sys.Log);
        Assert.Equal(0, sys.QueuedCount());
    }
}
