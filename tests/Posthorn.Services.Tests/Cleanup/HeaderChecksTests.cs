using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class HeaderChecksTests
{
    private const string Hc = "regexp:/etc/postfix/header_checks";
    private const string Subject = "Subject: make money fast";
    private const string Origin = "from client.example.org[192.0.2.10]; from=<sender@example.org> to=<rcpt@example.net> proto=ESMTP helo=<helo.example.org>";

    private static (CleanupResult Result, CollectingContentSink Sink) Check(string action, params string[] headers)
    {
        var maps = new FakeMaps().Add(Hc, Subject, action);
        return Run(Processor($"header_checks = {Hc}", maps), Envelope(), headers.Length > 0 ? headers : [Subject, "X-Other: 1"], "body");
    }

    [Fact]
    public void Reject_with_text_rejects_with_5_7_1_and_logs()
    {
        var (r, _) = Check("REJECT no spam please");
        Assert.Equal(CleanupDispositionKind.Reject, r.Disposition);
        Assert.Equal("550 5.7.1 no spam please", r.Reply);
        Assert.Contains($"4ABC123DEF: reject: header {Subject} {Origin}: 5.7.1 no spam please", Logs(r));
    }

    [Fact]
    public void Reject_without_text_says_message_content_rejected()
    {
        var (r, _) = Check("REJECT");
        Assert.Equal("550 5.7.1 message content rejected", r.Reply);
    }

    [Fact]
    public void Reject_with_4xx_status_defers()
    {
        var (r, _) = Check("REJECT 4.7.0 try later");
        Assert.Equal(CleanupDispositionKind.Defer, r.Disposition);
        Assert.Equal("451 4.7.0 try later", r.Reply);
    }

    [Fact]
    public void Reject_keeps_a_given_5xx_status()
    {
        Assert.Equal("550 5.7.0 go away", Check("REJECT 5.7.0 go away").Result.Reply);
    }

    [Fact]
    public void Warn_logs_and_keeps_the_header()
    {
        var (r, sink) = Check("WARN suspicious");
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.Contains(Subject, sink.Headers);
        Assert.Contains($"4ABC123DEF: warning: header {Subject} {Origin}: suspicious", Logs(r));
    }

    [Fact]
    public void Info_logs_without_text_colon_when_text_is_empty()
    {
        var (r, _) = Check("INFO");
        Assert.Contains($"4ABC123DEF: info: header {Subject} {Origin}", Logs(r));
    }

    [Fact]
    public void Hold_accepts_on_hold_with_reason()
    {
        var (r, _) = Check("HOLD look at this");
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.True(r.Hold);
        Assert.Equal("look at this", r.HoldReason);
        Assert.Contains($"4ABC123DEF: hold: header {Subject} {Origin}: look at this", Logs(r));
    }

    [Fact]
    public void Discard_accepts_and_drops_the_message()
    {
        var (r, _) = Check("DISCARD spam");
        Assert.Equal(CleanupDispositionKind.Discard, r.Disposition);
        Assert.Contains($"4ABC123DEF: discard: header {Subject} {Origin}: spam", Logs(r));
    }

    [Fact]
    public void Redirect_sends_the_message_elsewhere()
    {
        var (r, _) = Check("REDIRECT quarantine@example.com");
        Assert.Equal("quarantine@example.com", r.Redirect);
        Assert.Contains($"4ABC123DEF: redirect: header {Subject} {Origin}: quarantine@example.com", Logs(r));
    }

    [Fact]
    public void Redirect_without_at_sign_is_a_warning()
    {
        var (r, _) = Check("REDIRECT nobody");
        Assert.Null(r.Redirect);
        Assert.Contains("warning: bad REDIRECT target \"nobody\" in header_checks map -- need user@domain", Logs(r));
    }

    [Fact]
    public void Filter_names_a_content_filter()
    {
        var (r, _) = Check("FILTER smtp:[127.0.0.1]:10025");
        Assert.Equal("smtp:[127.0.0.1]:10025", r.Filter);
        Assert.Contains($"4ABC123DEF: filter: header {Subject} {Origin}: smtp:[127.0.0.1]:10025", Logs(r));
    }

    [Fact]
    public void Filter_without_transport_is_a_warning()
    {
        var (r, _) = Check("FILTER nowhere");
        Assert.Null(r.Filter);
        Assert.Contains("warning: bad FILTER command nowhere in header_checks -- need transport:destination", Logs(r));
    }

    [Fact]
    public void Prepend_puts_a_header_before_the_matching_one()
    {
        var (r, sink) = Check("PREPEND X-Spam-Flag: YES");
        Assert.Equal(["X-Spam-Flag: YES", Subject, "X-Other: 1"], AfterReceived(sink));
        Assert.Contains($"4ABC123DEF: prepend: header {Subject} {Origin}: X-Spam-Flag: YES", Logs(r));
    }

    [Fact]
    public void Prepend_of_a_non_header_is_refused()
    {
        var (r, sink) = Check("PREPEND not a header");
        Assert.Equal([Subject, "X-Other: 1"], AfterReceived(sink));
        Assert.Contains("warning: bad PREPEND header text \"not a header\" in header_checks map -- need \"headername: headervalue\"", Logs(r));
    }

    [Fact]
    public void Replace_substitutes_the_header()
    {
        var (r, sink) = Check("REPLACE Subject: [SPAM] make money fast");
        Assert.Equal(["Subject: [SPAM] make money fast", "X-Other: 1"], AfterReceived(sink));
        Assert.Contains($"4ABC123DEF: replace: header {Subject} {Origin}: Subject: [SPAM] make money fast", Logs(r));
    }

    [Fact]
    public void Ignore_deletes_the_header_silently()
    {
        var (r, sink) = Check("IGNORE");
        Assert.Equal(["X-Other: 1"], AfterReceived(sink));
        Assert.DoesNotContain(Logs(r), l => l.Contains(Subject, StringComparison.Ordinal));
    }

    [Fact]
    public void Dunno_and_ok_keep_the_header()
    {
        Assert.Equal([Subject, "X-Other: 1"], AfterReceived(Check("DUNNO").Sink));
        Assert.Equal([Subject, "X-Other: 1"], AfterReceived(Check("OK").Sink));
    }

    [Fact]
    public void Bcc_adds_a_recipient()
    {
        var (r, _) = Check("BCC archive@example.com");
        Assert.Equal(["rcpt@example.net", "archive@example.com"], r.Recipients.Select(x => x.Address));
        Assert.Contains($"4ABC123DEF: bcc: header {Subject} {Origin}: archive@example.com", Logs(r));
    }

    [Fact]
    public void Unknown_action_is_a_warning()
    {
        var (r, _) = Check("FROBNICATE");
        Assert.Contains("warning: unknown command in header_checks map: FROBNICATE", Logs(r));
    }

    [Fact]
    public void Actions_are_case_insensitive()
    {
        Assert.Equal(CleanupDispositionKind.Reject, Check("reject bad").Result.Disposition);
    }

    [Fact]
    public void Folded_header_is_matched_as_one_logical_line()
    {
        var maps = new FakeMaps().Add(Hc, "Subject: part one\n\tpart two", "REJECT folded");
        var r = Run(Processor($"header_checks = {Hc}", maps), Envelope(), ["Subject: part one", "\tpart two"]).Result;
        Assert.Equal("550 5.7.1 folded", r.Reply);
        Assert.Contains(Logs(r), l => l.StartsWith("4ABC123DEF: reject: header Subject: part one??part two from ", StringComparison.Ordinal));
    }

    [Fact]
    public void Our_own_received_header_is_checked_too()
    {
        var maps = new FakeMaps().Add(Hc, "Received: from helo.example.org (client.example.org [192.0.2.10])\n\tby mail.example.com (Postfix) with ESMTP id 4ABC123DEF\n\tfor <rcpt@example.net>; Tue, 24 Nov 2026 23:45:01 +0000 (UTC)", "IGNORE");
        var (_, sink) = Run(Processor($"header_checks = {Hc}", maps), Envelope(), ["Subject: x"]);
        Assert.Equal(["Subject: x"], sink.Headers);
    }

    [Fact]
    public void No_checks_after_reject()
    {
        var maps = new FakeMaps().Add(Hc, Subject, "REJECT first").Add(Hc, "X-Other: 1", "HOLD second");
        var r = Run(Processor($"header_checks = {Hc}", maps), Envelope(), [Subject, "X-Other: 1"]).Result;
        Assert.False(r.Hold);
        Assert.Equal("550 5.7.1 first", r.Reply);
    }

    [Fact]
    public void Receive_override_no_header_body_checks_disables_them()
    {
        var maps = new FakeMaps().Add(Hc, Subject, "REJECT");
        var env = Envelope() with { Flags = CleanupFlags.AddressMappings | CleanupFlags.AutomaticBcc };
        Assert.Equal(CleanupDispositionKind.Accept, Run(Processor($"header_checks = {Hc}", maps), env, [Subject]).Result.Disposition);
    }

    [Fact]
    public void Mime_headers_use_mime_header_checks()
    {
        var maps = new FakeMaps().Add("regexp:mime", "Content-Type: application/x-msdownload", "REJECT no executables");
        var p = Processor($"header_checks = {Hc}\nmime_header_checks = regexp:mime", maps);
        var r = Run(p, Envelope(),
            ["MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=\"XX\""],
            "preamble", "--XX", "Content-Type: text/plain", "", "hello", "--XX", "Content-Type: application/x-msdownload", "", "MZ", "--XX--").Result;
        Assert.Equal("550 5.7.1 no executables", r.Reply);
        Assert.Contains("4ABC123DEF: reject: header Content-Type: application/x-msdownload from client.example.org[192.0.2.10]; from=<sender@example.org> to=<rcpt@example.net> proto=ESMTP helo=<helo.example.org>: 5.7.1 no executables", Logs(r));
    }

    [Fact]
    public void Attached_message_headers_use_nested_header_checks()
    {
        var maps = new FakeMaps().Add("regexp:nested", "Subject: inner", "WARN nested").Add(Hc, "Subject: inner", "REJECT wrong table");
        var p = Processor($"header_checks = {Hc}\nnested_header_checks = regexp:nested", maps);
        var (r, sink) = Run(p, Envelope(),
            ["Content-Type: multipart/mixed; boundary=B"],
            "--B", "Content-Type: message/rfc822", "", "Subject: inner", "From: x@y", "", "inner body", "--B--");
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.Contains(Logs(r), l => l.StartsWith("4ABC123DEF: warning: header Subject: inner from", StringComparison.Ordinal));
        Assert.Equal(["--B", "Content-Type: message/rfc822", "", "Subject: inner", "From: x@y", "", "inner body", "--B--"], sink.Body);
    }

    [Fact]
    public void Primary_header_checks_do_not_see_body_part_headers()
    {
        var maps = new FakeMaps().Add(Hc, "Subject: inner", "REJECT");
        var p = Processor($"header_checks = {Hc}\nmime_header_checks =\nnested_header_checks =", maps);
        var r = Run(p, Envelope(), ["Content-Type: message/rfc822"], "Subject: inner", "", "x").Result;
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
    }

    [Fact]
    public void Content_filter_from_the_envelope_is_kept_unless_a_filter_action_overrides_it()
    {
        var env = Envelope() with { ContentFilter = "scan:[127.0.0.1]:10025" };
        Assert.Equal("scan:[127.0.0.1]:10025", Run(Processor(), env, [Subject]).Result.Filter);
        var maps = new FakeMaps().Add(Hc, Subject, "FILTER other:dest");
        Assert.Equal("other:dest", Run(Processor($"header_checks = {Hc}", maps), env, [Subject]).Result.Filter);
    }
}
