using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class CleanupMessageTests
{
    [Fact]
    public void AddLine_splits_header_and_body_at_the_first_empty_line()
    {
        var sink = new CollectingContentSink();
        var m = Processor().Begin(Envelope(), sink);
        foreach (var line in new[] { "Subject: hi", "\tcontinued", "", "body 1", "", "Not: a header" })
            m.AddLine(line);
        var r = m.Finish();
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.Equal("250 2.0.0 Ok: queued as 4ABC123DEF", r.Reply);
        Assert.Equal(["Subject: hi", "\tcontinued"], AfterReceived(sink));
        Assert.Equal(["body 1", "", "Not: a header"], sink.Body);
    }

    [Fact]
    public void Empty_header_line_ends_the_headers_without_becoming_body()
    {
        var sink = new CollectingContentSink();
        var m = Processor().Begin(Envelope(), sink);
        m.AddHeaderLine("Subject: hi");
        m.AddHeaderLine("");
        m.AddBodyLine("text");
        m.Finish();
        Assert.Equal(["text"], sink.Body);
    }

    [Fact]
    public void Finish_without_end_of_headers_still_adds_missing_headers()
    {
        var sink = new CollectingContentSink();
        var m = Processor().Begin(Envelope(local: true, sender: "alice@example.com"), sink);
        m.AddHeaderLine("Subject: only headers");
        var r = m.Finish();
        Assert.True(sink.HeadersEnded);
        Assert.Contains("From: alice@example.com", sink.Headers);
        Assert.Equal(r, m.Finish() with { Log = r.Log, Recipients = r.Recipients });
    }

    [Fact]
    public void Output_stops_after_a_rejection()
    {
        var maps = new FakeMaps().Add("regexp:b", "bad", "REJECT");
        var (r, sink) = Run(Processor("body_checks = regexp:b", maps), Envelope(), ["Subject: x"], "good", "bad", "after");
        Assert.Equal(CleanupDispositionKind.Reject, r.Disposition);
        Assert.Equal(["good"], sink.Body);
    }

    [Fact]
    public void Local_submission_with_canonical_virtual_and_masquerading_together()
    {
        var maps = new FakeMaps()
            .Add("hash:canonical", "pabelard@example.com", "abelard@host.oreilly.com")
            .Add("hash:virtual", "team@example.com", "team@example.com, boss@example.net");
        var p = Processor("canonical_maps = hash:canonical\nvirtual_alias_maps = hash:virtual\nmasquerade_domains = oreilly.com", maps);
        var env = Envelope(sender: "pabelard", rcpts: ["team"], client: CleanupClient.Local(1000), fullName: "Peter Abelard");
        var (r, sink) = Run(p, env, ["To: team", "Subject: plans"], "see you");
        Assert.Equal("abelard@oreilly.com", r.Sender);
        Assert.Equal(["team@example.com", "boss@example.net"], r.Recipients.Select(x => x.Address));
        Assert.All(r.Recipients, x => Assert.Equal("team", x.Original));
        Assert.Equal(
        [
            "Received: by mail.example.com (Postfix, from userid 1000)",
            "\tid 4ABC123DEF; Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
            "To: team@example.com",
            "Subject: plans",
            "Message-Id: <20261124234501.4ABC123DEF@mail.example.com>",
            "Date: Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
            "From: Peter Abelard <abelard@oreilly.com>",
        ], sink.Headers);
        Assert.Equal(["see you"], sink.Body);
    }
}

public class LeadingWhitespaceTests
{
    [Fact]
    public void Content_starting_with_white_space_cannot_continue_our_received_header()
    {
        var sink = new CollectingContentSink();
        var m = Processor().Begin(Envelope(), sink);
        m.AddLine(" X-Injected: yes");
        m.AddLine("Subject: not a header now");
        m.Finish();
        Assert.Equal(3, sink.Headers.Count);
        Assert.Equal([" X-Injected: yes", "Subject: not a header now"], sink.Body);
    }
}
