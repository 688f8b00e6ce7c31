using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class BccAndLimitsTests
{
    [Fact]
    public void Always_bcc_adds_a_recipient_at_the_end()
    {
        var r = Run(Processor("always_bcc = archive"), Envelope(), []).Result;
        Assert.Equal(["rcpt@example.net", "archive@example.com"], r.Recipients.Select(x => x.Address));
        Assert.Equal("archive@example.com", r.Recipients[1].Original);
    }

    [Fact]
    public void Sender_bcc_maps_add_a_recipient_for_the_sender()
    {
        var maps = new FakeMaps().Add("hash:sbcc", "@example.org", "outgoing@example.com");
        var r = Run(Processor("sender_bcc_maps = hash:sbcc", maps), Envelope(), []).Result;
        Assert.Equal(["outgoing@example.com", "rcpt@example.net"], r.Recipients.Select(x => x.Address));
    }

    [Fact]
    public void Recipient_bcc_maps_add_a_recipient_after_the_matching_one()
    {
        var maps = new FakeMaps().Add("hash:rbcc", "b@example.net", "copy@example.com");
        var r = Run(Processor("recipient_bcc_maps = hash:rbcc", maps), Envelope(rcpts: ["a@example.net", "b@example.net", "c@example.net"]), []).Result;
        Assert.Equal(["a@example.net", "b@example.net", "copy@example.com", "c@example.net"], r.Recipients.Select(x => x.Address));
    }

    [Fact]
    public void Receive_override_no_address_mappings_and_bcc_are_honoured()
    {
        var env = Envelope() with { Flags = CleanupFlags.HeaderBodyChecks };
        Assert.Single(Run(Processor("always_bcc = archive@example.com"), env, []).Result.Recipients);
    }

    [Fact]
    public void Hopcount_limit_rejects_with_too_many_hops()
    {
        var headers = Enumerable.Range(0, 3).Select(i => $"Received: from relay{i}.example.org").ToArray();
        var r = Run(Processor("hopcount_limit = 3"), Envelope(), headers).Result;
        Assert.Equal(CleanupDispositionKind.Reject, r.Disposition);
        Assert.Equal("554 5.4.0 Error: too many hops", r.Reply);
        Assert.Contains("warning: 4ABC123DEF: message rejected: hopcount exceeded", Logs(r));
    }

    [Fact]
    public void Hops_below_the_limit_are_accepted()
    {
        var headers = Enumerable.Range(0, 2).Select(i => $"Received: from relay{i}.example.org").ToArray();
        Assert.Equal(CleanupDispositionKind.Accept, Run(Processor("hopcount_limit = 4"), Envelope(), headers).Result.Disposition);
    }

    [Fact]
    public void Header_longer_than_header_size_limit_is_truncated()
    {
        var (_, sink) = Run(Processor("header_size_limit = 30"), Envelope(), ["X-Long: 0123456789", " 0123456789", " 0123456789", "Subject: kept"]);
        Assert.Equal(["X-Long: 0123456789", " 0123456789", "Subject: kept"], AfterReceived(sink));
    }

    [Fact]
    public void Header_address_token_limit_drops_excess_text_of_a_rewritten_header()
    {
        var (_, sink) = Run(Processor("header_address_token_limit = 3"), Envelope(local: true), ["To: joe, ann, bob"]);
        Assert.Equal(["To: joe@example.com,"], AfterReceived(sink).Where(h => h.StartsWith("To:", StringComparison.Ordinal)));
    }

    [Fact]
    public void Empty_recipient_becomes_empty_address_recipient()
    {
        var r = Run(Processor(), Envelope(rcpts: [""]), []).Result;
        Assert.Equal("MAILER-DAEMON@example.com", r.Recipients[0].Address);
    }
}
