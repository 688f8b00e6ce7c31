using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class MissingHeaderTests
{
    [Fact]
    public void Local_submission_gets_message_id_date_and_from()
    {
        var env = Envelope(sender: "alice@example.com", client: CleanupClient.Local(1000), local: true);
        var (r, sink) = Run(Processor(), env, ["To: bob@example.net", "Subject: hi"]);
        Assert.Equal(
        [
            "To: bob@example.net",
            "Subject: hi",
            "Message-Id: <20261124234501.4ABC123DEF@mail.example.com>",
            "Date: Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
            "From: alice@example.com",
        ], AfterReceived(sink));
        Assert.Contains("4ABC123DEF: message-id=<20261124234501.4ABC123DEF@mail.example.com>", Logs(r));
        Assert.Equal("<20261124234501.4ABC123DEF@mail.example.com>", r.MessageId);
    }

    [Fact]
    public void From_carries_the_full_name_of_a_local_sender()
    {
        var env = Envelope(sender: "alice@example.com", client: CleanupClient.Local(1000), local: true, fullName: "Alice Liddell");
        var (_, sink) = Run(Processor(), env, ["Subject: hi"]);
        Assert.Contains("From: Alice Liddell <alice@example.com>", sink.Headers);
    }

    [Fact]
    public void Full_name_with_specials_is_quoted_and_obsolete_format_uses_a_comment()
    {
        var env = Envelope(sender: "alice@example.com", client: CleanupClient.Local(1000), local: true, fullName: "Liddell, Alice");
        Assert.Contains("From: \"Liddell, Alice\" <alice@example.com>", Run(Processor(), env, ["Subject: hi"]).Sink.Headers);
        Assert.Contains("From: alice@example.com (Liddell, Alice)", Run(Processor("header_from_format = obsolete"), env, ["Subject: hi"]).Sink.Headers);
    }

    [Fact]
    public void Null_sender_gets_from_mailer_daemon()
    {
        var env = Envelope(sender: "", client: CleanupClient.Local(0), local: true, fullName: "Ignored");
        Assert.Contains("From: MAILER-DAEMON", Run(Processor(), env, ["Subject: hi"]).Sink.Headers);
    }

    [Fact]
    public void Remote_mail_gets_no_headers_added_by_default()
    {
        var (r, sink) = Run(Processor(), Envelope(), ["Subject: hi"]);
        Assert.Equal(["Subject: hi"], AfterReceived(sink));
        Assert.Contains("4ABC123DEF: message-id=<>", Logs(r));
    }

    [Fact]
    public void Always_add_missing_headers_adds_them_to_remote_mail()
    {
        var (_, sink) = Run(Processor("always_add_missing_headers = yes"), Envelope(), ["Subject: hi"]);
        Assert.Contains("Message-Id: <20261124234501.4ABC123DEF@mail.example.com>", sink.Headers);
        Assert.Contains("Date: Tue, 24 Nov 2026 23:45:01 +0000 (UTC)", sink.Headers);
        Assert.Contains("From: sender@example.org", sink.Headers);
    }

    [Fact]
    public void Long_queue_ids_make_the_message_id_from_the_queue_id_alone()
    {
        var (_, sink) = Run(Processor("always_add_missing_headers = yes\nenable_long_queue_ids = yes"), Envelope(), ["Subject: hi"]);
        Assert.Contains("Message-Id: <4ABC123DEF@mail.example.com>", sink.Headers);
    }

    [Fact]
    public void Existing_headers_are_kept_and_message_id_is_logged()
    {
        var (r, sink) = Run(Processor("always_add_missing_headers = yes"), Envelope(),
            ["From: a@example.org", "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-ID: <x@y>", "To: b@example.net"]);
        Assert.Equal(["From: a@example.org", "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-ID: <x@y>", "To: b@example.net"], AfterReceived(sink));
        Assert.Contains("4ABC123DEF: message-id=<x@y>", Logs(r));
        Assert.Equal("<x@y>", r.MessageId);
    }

    [Fact]
    public void Undisclosed_recipients_header_is_added_when_no_to_or_cc()
    {
        var p = Processor("always_add_missing_headers = yes\nundisclosed_recipients_header = To: undisclosed-recipients:;");
        Assert.Contains("To: undisclosed-recipients:;", Run(p, Envelope(), ["Subject: hi", "Bcc: x@example.net"]).Sink.Headers);
        Assert.DoesNotContain("To: undisclosed-recipients:;", Run(p, Envelope(), ["Cc: c@example.net"]).Sink.Headers);
    }

    [Fact]
    public void Postfix_37_default_undisclosed_recipients_header_is_empty()
    {
        var p = new CleanupProcessor(Posthorn.Core.Config.MainConfig.FromText(
            CleanupTest.Base.Replace("undisclosed_recipients_header =", "", StringComparison.Ordinal) + "\nalways_add_missing_headers = yes\n"), new FakeMaps(), TimeZoneInfo.Utc);
        Assert.Equal("", p.Settings.UndisclosedRecipientsHeader);
        Assert.DoesNotContain(Run(p, Envelope(), ["Subject: hi"]).Sink.Headers, h => h.StartsWith("To:", StringComparison.Ordinal));
    }

    [Fact]
    public void Resent_headers_make_the_added_headers_resent_ones()
    {
        var env = Envelope(sender: "alice@example.com", client: CleanupClient.Local(1000), local: true);
        var (r, sink) = Run(Processor(), env,
            ["From: x@example.org", "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-Id: <m@x>", "Resent-To: bob@example.net"]);
        var added = AfterReceived(sink).Skip(4).ToList();
        Assert.Equal(
        [
            "Resent-Message-Id: <20261124234501.4ABC123DEF@mail.example.com>",
            "Resent-Date: Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
            "Resent-From: alice@example.com",
        ], added);
        Assert.Contains("4ABC123DEF: resent-message-id=<20261124234501.4ABC123DEF@mail.example.com>", Logs(r));
    }

    [Fact]
    public void Bcc_content_length_and_return_path_are_dropped_per_message_drop_headers()
    {
        var p = Processor("message_drop_headers = bcc, content-length, resent-bcc, return-path");
        var (_, sink) = Run(p, Envelope(), ["Return-Path: <x@y>", "Bcc: secret@example.net", "Content-Length: 12", "Resent-Bcc: s2@example.net", "Subject: hi"]);
        Assert.Equal(["Subject: hi"], AfterReceived(sink));
    }

    [Fact]
    public void Empty_message_drop_headers_keeps_bcc()
    {
        var (_, sink) = Run(Processor("message_drop_headers ="), Envelope(), ["Bcc: secret@example.net"]);
        Assert.Equal(["Bcc: secret@example.net"], AfterReceived(sink));
    }
}

public class FullNameTests
{
    [Theory]
    [InlineData("Alice Liddell", false, "Alice Liddell")]
    [InlineData("  Alice \t Liddell ", false, "Alice Liddell")]
    [InlineData("A. Liddell", false, "\"A. Liddell\"")]
    [InlineData("Say \"hi\"", false, "\"Say \\\"hi\\\"\"")]
    [InlineData("Alice (the girl)", true, "Alice \\(the girl\\)")]
    [InlineData("Zoë", false, "=?utf-8?q?Zo=C3=AB?=")]
    public void Full_name_becomes_header_text(string raw, bool comment, string expected) =>
        Assert.Equal(expected, FullName.HeaderText(raw, comment));
}
