using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class BodyChecksTests
{
    private const string Bc = "regexp:/etc/postfix/body_checks";

    private static (CleanupResult Result, CollectingContentSink Sink) Check(string line, string action, string extra = "", params string[] body)
    {
        var maps = new FakeMaps().Add(Bc, line, action);
        return Run(Processor($"body_checks = {Bc}\n{extra}", maps), Envelope(), ["Subject: x"], body.Length > 0 ? body : ["first", line, "last"]);
    }

    [Fact]
    public void Reject_logs_with_body_context()
    {
        var (r, _) = Check("buy now", "REJECT spam body");
        Assert.Equal("550 5.7.1 spam body", r.Reply);
        Assert.Contains("4ABC123DEF: reject: body buy now from client.example.org[192.0.2.10]; from=<sender@example.org> to=<rcpt@example.net> proto=ESMTP helo=<helo.example.org>: 5.7.1 spam body", Logs(r));
    }

    [Fact]
    public void Replace_substitutes_the_line()
    {
        Assert.Equal(["first", "[removed]", "last"], Check("buy now", "REPLACE [removed]").Sink.Body);
    }

    [Fact]
    public void Prepend_adds_a_line_before()
    {
        Assert.Equal(["first", "X-Note", "buy now", "last"], Check("buy now", "PREPEND X-Note").Sink.Body);
    }

    [Fact]
    public void Ignore_drops_the_line()
    {
        Assert.Equal(["first", "last"], Check("buy now", "IGNORE").Sink.Body);
    }

    [Fact]
    public void Body_lines_past_body_checks_size_limit_are_not_checked()
    {
        var (r, sink) = Check("buy now", "REJECT", "body_checks_size_limit = 11", "0123456789", "buy now");
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.Equal(["0123456789", "buy now"], sink.Body);
    }

    [Fact]
    public void Body_lines_within_body_checks_size_limit_are_checked()
    {
        var (r, _) = Check("buy now", "REJECT", "body_checks_size_limit = 13", "0123456789", "buy now");
        Assert.Equal(CleanupDispositionKind.Reject, r.Disposition);
    }

    [Fact]
    public void Body_checks_size_limit_restarts_in_each_mime_part()
    {
        var maps = new FakeMaps().Add(Bc, "buy now", "REJECT");
        var p = Processor($"body_checks = {Bc}\nbody_checks_size_limit = 20", maps);
        var r = Run(p, Envelope(), ["Content-Type: multipart/mixed; boundary=B"],
            "preamble text that is long enough", "--B", "Content-Type: text/plain", "", "buy now", "--B--").Result;
        Assert.Equal(CleanupDispositionKind.Reject, r.Disposition);
    }

    [Fact]
    public void Mime_boundaries_are_body_lines_for_body_checks()
    {
        var maps = new FakeMaps().Add(Bc, "--B", "WARN boundary");
        var r = Run(Processor($"body_checks = {Bc}", maps), Envelope(), ["Content-Type: multipart/mixed; boundary=B"], "--B", "", "x", "--B--").Result;
        Assert.Contains(Logs(r), l => l.StartsWith("4ABC123DEF: warning: body --B from", StringComparison.Ordinal));
    }

    [Fact]
    public void Body_passes_through_unchanged_without_checks()
    {
        var (_, sink) = Run(Processor(), Envelope(), ["Subject: x"], "line 1", "", "  indented", ".");
        Assert.True(sink.HeadersEnded);
        Assert.Equal(["line 1", "", "  indented", "."], sink.Body);
    }

    [Fact]
    public void Non_header_line_in_headers_starts_the_body()
    {
        var sink = new CollectingContentSink();
        var m = Processor().Begin(Envelope(), sink);
        m.AddHeaderLine("Subject: x");
        m.AddHeaderLine("this is not a header");
        m.AddBodyLine("more");
        m.Finish();
        Assert.Equal(["this is not a header", "more"], sink.Body);
        Assert.Equal(["Subject: x"], AfterReceived(sink));
    }
}

public class CharacterScreenTests
{
    [Fact]
    public void Message_reject_characters_reject_a_line_holding_one()
    {
        var r = Run(Processor("message_reject_characters = \\0\\f"), Envelope(), ["Subject: x"], "page\fbreak").Result;
        Assert.Equal("550 5.7.1 disallowed character", r.Reply);
        Assert.Contains(Logs(r), l => l.StartsWith("4ABC123DEF: reject: content page?break from client.example.org[192.0.2.10];", StringComparison.Ordinal)
            && l.EndsWith(": 5.7.1 disallowed character", StringComparison.Ordinal));
    }

    [Fact]
    public void Message_strip_characters_are_removed_from_headers_and_body()
    {
        var (_, sink) = Run(Processor("message_strip_characters = \\0\\177"), Envelope(), ["Subject: a\0b"], "c\u007fd");
        Assert.Equal(["Subject: ab"], AfterReceived(sink));
        Assert.Equal(["cd"], sink.Body);
    }

    [Theory]
    [InlineData("\\t\\n", "\t\n")]
    [InlineData("\\101\\\\", "A\\")]
    [InlineData("\\0", "\0")]
    public void Escapes_are_unescaped_as_postfix_does(string text, string expected) =>
        Assert.Equal(expected, CharacterScreen.Unescape(text));
}
