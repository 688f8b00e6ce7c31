using Posthorn.Services.Delivery;
using Posthorn.Services.Discard;
using Posthorn.Services.Error;
using Posthorn.Services.Qmgr;

namespace Posthorn.Services.Tests.Delivery;

public class AgentTests
{
    private static DeliveryRequest Request(string nexthop) =>
        new("ABC", "error", nexthop, "s@example.com", DateTimeOffset.UnixEpoch, [new DeliveryRecipient(0, "r@example.com")], () => Stream.Null, 0);

    [Fact]
    public async Task Error_agent_bounces_with_the_nexthop_text_and_status()
    {
        var r = (await new ErrorAgent(false).DeliverAsync(Request("5.1.1 User unknown"), default)).Recipients[0];
        Assert.Equal((DeliveryOutcome.Bounced, "5.1.1", "User unknown", "none"), (r.Outcome, r.DsnStatus, r.Reason, r.Relay));
    }

    [Fact]
    public async Task Error_agent_defaults_to_5_0_0()
    {
        var r = (await new ErrorAgent(false).DeliverAsync(Request("mail for this domain is not accepted"), default)).Recipients[0];
        Assert.Equal(("5.0.0", "mail for this domain is not accepted"), (r.DsnStatus, r.Reason));
    }

    [Fact]
    public async Task Retry_service_defers_with_4_0_0()
    {
        var r = (await new ErrorAgent(true).DeliverAsync(Request("try later"), default)).Recipients[0];
        Assert.Equal((DeliveryOutcome.Deferred, "4.0.0", "try later"), (r.Outcome, r.DsnStatus, r.Reason));
    }

    [Fact]
    public async Task Discard_agent_delivers_with_the_nexthop_as_reason()
    {
        var r = (await new DiscardAgent().DeliverAsync(Request("silently"), default)).Recipients[0];
        Assert.Equal((DeliveryOutcome.Delivered, "2.0.0", "silently", "none"), (r.Outcome, r.DsnStatus, r.Reason, r.Relay));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1_000, "0")]
    [InlineData(123_456, "0.12")]
    [InlineData(12_345, "0.01")]
    [InlineData(1_234_000, "1.2")]
    [InlineData(12_340_000, "12")]
    [InlineData(123_400_000, "123")]
    [InlineData(9_960_000, "10")]
    public void Delays_are_formatted_as_format_tv_does(long micros, string expected) =>
        Assert.Equal(expected, DeliveryLogLine.Pretty(TimeSpan.FromTicks(micros * 10)));

    [Fact]
    public void Log_line_shows_orig_to_only_when_it_differs()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var stamps = new DeliveryLogLine.Stamps(t0, t0.AddSeconds(0.5), t0.AddSeconds(0.6), t0.AddSeconds(1.5));
        Assert.Equal("ID: to=<a@x>, orig_to=<alias@x>, relay=none, delay=1.5, delays=0.5/0.1/0/0.9, dsn=2.0.0, status=sent (ok)",
            DeliveryLogLine.Format("ID", "a@x", "alias@x", "none", stamps, "2.0.0", "sent", "ok"));
        Assert.DoesNotContain("orig_to", DeliveryLogLine.Format("ID", "a@x", "A@x", "none", stamps, "2.0.0", "sent", "ok"), StringComparison.Ordinal);
    }
}
