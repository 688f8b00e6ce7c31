using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class ReceivedHeaderTests
{
    [Fact]
    public void Plain_session_with_one_recipient_names_it_in_for_clause()
    {
        var (_, sink) = Run(Processor(), Envelope(), ["Subject: hi"]);
        Assert.Equal(
        [
            "Received: from helo.example.org (client.example.org [192.0.2.10])",
            "\tby mail.example.com (Postfix) with ESMTP id 4ABC123DEF",
            "\tfor <rcpt@example.net>; Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
        ], sink.Headers.Take(3));
    }

    [Fact]
    public void Several_recipients_put_the_date_on_its_own_line()
    {
        var (_, sink) = Run(Processor(), Envelope(rcpts: ["a@example.net", "b@example.net"]), ["Subject: hi"]);
        Assert.Equal("\tby mail.example.com (Postfix) with ESMTP id 4ABC123DEF;", sink.Headers[1]);
        Assert.Equal("\tTue, 24 Nov 2026 23:45:01 +0000 (UTC)", sink.Headers[2]);
    }

    [Fact]
    public void Tls_and_auth_session_shows_cipher_and_authenticated_sender()
    {
        var p = Processor("smtpd_tls_received_header = yes\nsmtpd_sasl_authenticated_header = yes\nmail_name = Posthorn");
        var tls = new CleanupTls("TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, 256, "X25519", "RSA-PSS (2048 bits)", "SHA256");
        var client = Smtp with { Tls = tls, SaslUser = "alice" };
        var (_, sink) = Run(p, Envelope(client: client), ["Subject: hi"]);
        Assert.Equal(
        [
            "Received: from helo.example.org (client.example.org [192.0.2.10])",
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
            "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)",
            "\t(No client certificate requested)",
            "\t(Authenticated sender: alice)",
            "\tby mail.example.com (Posthorn) with ESMTPSA id 4ABC123DEF",
            "\tfor <rcpt@example.net>; Tue, 24 Nov 2026 23:45:01 +0000 (UTC)",
        ], sink.Headers.Take(7));
    }

    [Fact]
    public void Tls_details_are_left_out_unless_smtpd_tls_received_header_is_set()
    {
        var client = Smtp with { Tls = new CleanupTls("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128, 128), SaslUser = "bob" };
        var (_, sink) = Run(Processor(), Envelope(client: client), ["Subject: hi"]);
        Assert.Equal("\tby mail.example.com (Postfix) with ESMTPSA id 4ABC123DEF", sink.Headers[1]);
    }

    [Fact]
    public void Client_certificate_is_described()
    {
        var p = Processor("smtpd_tls_received_header = yes");
        var tls = new CleanupTls("TLSv1.2", "AES", 128, 256, ClientCommonName: "client.example.org", ClientIssuer: "Example CA", ClientCertTrusted: true);
        var (_, sink) = Run(p, Envelope(client: Smtp with { Tls = tls }), ["Subject: hi"]);
        Assert.Equal("\t(using TLSv1.2 with cipher AES (128/256 bits))", sink.Headers[1]);
        Assert.Equal("\t(Client CN \"client.example.org\", Issuer \"Example CA\" (verified OK))", sink.Headers[2]);
    }

    [Fact]
    public void Local_submission_names_the_userid()
    {
        var env = Envelope(client: CleanupClient.Local(1000), local: true);
        var (_, sink) = Run(Processor(), env, ["Subject: hi"]);
        Assert.Equal("Received: by mail.example.com (Postfix, from userid 1000)", sink.Headers[0]);
        Assert.Equal("\tid 4ABC123DEF; Tue, 24 Nov 2026 23:45:01 +0000 (UTC)", sink.Headers[1]);
    }

    [Fact]
    public void Missing_helo_uses_the_client_name_and_ipv6_gets_its_tag()
    {
        var (_, sink) = Run(Processor(), Envelope(client: new CleanupClient("unknown", "2001:db8::1")), ["Subject: hi"]);
        Assert.Equal("Received: from unknown (unknown [IPv6:2001:db8::1])", sink.Headers[0]);
    }

    [Fact]
    public void Mail_date_pads_the_day_with_a_space_and_shows_the_offset()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("CET", TimeSpan.FromHours(1), "CET", "CET");
        Assert.Equal("Wed,  4 Mar 2026 10:05:09 +0100 (CET)", MailDate.Format(new DateTimeOffset(2026, 3, 4, 9, 5, 9, TimeSpan.Zero), zone));
    }
}
