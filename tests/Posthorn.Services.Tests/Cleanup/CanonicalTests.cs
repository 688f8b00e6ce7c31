using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class CanonicalTests
{
    private const string Canon = "hash:/etc/postfix/canonical";

    [Fact]
    public void Lecture_canonical_example_rewrites_envelope_and_headers()
    {
        var maps = new FakeMaps()
            .Add(Canon, "kdent@example.com", "kyle.dent@oreilly.com")
            .Add(Canon, "pabelard@example.com", "abelard@oreilly.com")
            .Add(Canon, "hfulbert@example.com", "heloise@oreilly.com");
        var p = Processor($"canonical_maps = {Canon}", maps);
        var env = Envelope(sender: "pabelard@example.com", rcpts: ["kdent@example.com"], local: true);
        var (r, sink) = Run(p, env,
            ["From: Peter Abelard <pabelard@example.com>", "To: kdent@example.com (Kyle)", "Cc: hfulbert@example.com, other@example.net"]);
        Assert.Equal("abelard@oreilly.com", r.Sender);
        Assert.Equal("kyle.dent@oreilly.com", Assert.Single(r.Recipients).Address);
        Assert.Equal("kdent@example.com", r.Recipients[0].Original);
        var headers = AfterReceived(sink);
        Assert.Contains("From: Peter Abelard <abelard@oreilly.com>", headers);
        Assert.Contains("To: kyle.dent@oreilly.com (Kyle)", headers);
        Assert.Contains("Cc: heloise@oreilly.com, other@example.net", headers);
    }

    [Fact]
    public void Lecture_table_maps_kdent_to_kyle_dent()
    {
        var maps = new FakeMaps().Add(Canon, "kdent@example.com", "kyle.dent@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["kdent@example.com"]), ["Subject: x"]).Result;
        Assert.Equal("kyle.dent@example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void Sender_canonical_maps_touch_only_sender_addresses()
    {
        var maps = new FakeMaps().Add("hash:sc", "joe@example.com", "joe.public@example.com");
        var p = Processor("sender_canonical_maps = hash:sc", maps);
        var (r, sink) = Run(p, Envelope(sender: "joe@example.com", rcpts: ["joe@example.com"], local: true), ["From: joe@example.com", "To: joe@example.com"]);
        Assert.Equal("joe.public@example.com", r.Sender);
        Assert.Equal("joe@example.com", r.Recipients[0].Address);
        Assert.Contains("From: joe.public@example.com", sink.Headers);
        Assert.Contains("To: joe@example.com", sink.Headers);
    }

    [Fact]
    public void Recipient_canonical_maps_touch_only_recipient_addresses()
    {
        var maps = new FakeMaps().Add("hash:rc", "joe@example.com", "joe.public@example.com");
        var p = Processor("recipient_canonical_maps = hash:rc", maps);
        var (r, sink) = Run(p, Envelope(sender: "joe@example.com", rcpts: ["joe@example.com"], local: true), ["From: joe@example.com", "To: joe@example.com"]);
        Assert.Equal("joe@example.com", r.Sender);
        Assert.Equal("joe.public@example.com", r.Recipients[0].Address);
        Assert.Contains("From: joe@example.com", sink.Headers);
        Assert.Contains("To: joe.public@example.com", sink.Headers);
    }

    [Fact]
    public void Canonical_classes_limit_where_canonical_maps_apply()
    {
        var maps = new FakeMaps().Add(Canon, "joe@example.com", "jp@example.com");
        var p = Processor($"canonical_maps = {Canon}\ncanonical_classes = envelope_recipient", maps);
        var (r, sink) = Run(p, Envelope(sender: "joe@example.com", rcpts: ["joe@example.com"], local: true), ["From: joe@example.com", "To: joe@example.com"]);
        Assert.Equal("joe@example.com", r.Sender);
        Assert.Equal("jp@example.com", r.Recipients[0].Address);
        Assert.Contains("To: joe@example.com", sink.Headers);
    }

    [Fact]
    public void Sender_maps_come_before_canonical_maps()
    {
        var maps = new FakeMaps().Add("hash:sc", "a@example.com", "b@example.com").Add(Canon, "b@example.com", "c@example.com");
        var p = Processor($"sender_canonical_maps = hash:sc\ncanonical_maps = {Canon}", maps);
        Assert.Equal("c@example.com", Run(p, Envelope(sender: "a@example.com"), []).Result.Sender);
    }

    [Fact]
    public void Search_order_is_address_then_user_for_local_domains_then_at_domain()
    {
        var maps = new FakeMaps();
        var p = Processor($"canonical_maps = {Canon}", maps);
        Run(p, Envelope(rcpts: ["joe+ext@example.com"]), []);
        var queries = maps.Queries.Where(q => q.Map == Canon && (q.Key.Contains("joe", StringComparison.Ordinal) || q.Key == "@example.com")).ToList();
        Assert.Equal(
        [
            (Canon, "joe+ext@example.com", false),
            (Canon, "joe@example.com", true),
            (Canon, "joe+ext", true),
            (Canon, "joe", true),
            (Canon, "@example.com", true),
        ], queries.Take(5));
    }

    [Fact]
    public void Bare_user_is_not_looked_up_for_a_remote_domain()
    {
        var maps = new FakeMaps().Add(Canon, "joe", "wrong@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["joe@remote.example.net"]), []).Result;
        Assert.Equal("joe@remote.example.net", r.Recipients[0].Address);
    }

    [Fact]
    public void Bare_user_matches_in_a_local_domain()
    {
        var maps = new FakeMaps().Add(Canon, "joe", "joe.user@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["joe@localhost"]), []).Result;
        Assert.Equal("joe.user@example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void At_domain_result_keeps_the_user_part()
    {
        var maps = new FakeMaps().Add(Canon, "@old.example", "@new.example");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["joe@old.example"]), []).Result;
        Assert.Equal("joe@new.example", r.Recipients[0].Address);
    }

    [Fact]
    public void Unmatched_extension_is_propagated_by_default()
    {
        var maps = new FakeMaps().Add(Canon, "joe@example.com", "joseph@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}\npropagate_unmatched_extensions = canonical, virtual", maps), Envelope(rcpts: ["joe+lists@example.com"]), []).Result;
        Assert.Equal("joseph+lists@example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void Extension_is_dropped_when_canonical_is_not_in_propagate_unmatched_extensions()
    {
        var maps = new FakeMaps().Add(Canon, "joe@example.com", "joseph@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}\npropagate_unmatched_extensions = virtual", maps), Envelope(rcpts: ["joe+lists@example.com"]), []).Result;
        Assert.Equal("joseph@example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void Mapping_is_repeated_until_the_address_maps_to_nothing()
    {
        var maps = new FakeMaps().Add(Canon, "a@example.com", "b@example.com").Add(Canon, "b@example.com", "c@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["a@example.com"]), []).Result;
        Assert.Equal("c@example.com", r.Recipients[0].Address);
    }

    [Fact]
    public void Mapping_loop_warns_after_ten_rounds()
    {
        var maps = new FakeMaps().Add(Canon, "a@example.com", "b@example.com").Add(Canon, "b@example.com", "a@example.com");
        var r = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(rcpts: ["a@example.com"]), []).Result;
        Assert.Contains(Logs(r), l => l.StartsWith("warning: 4ABC123DEF: unreasonable canonical_maps map nesting for", StringComparison.Ordinal));
    }

    [Fact]
    public void Remote_client_headers_are_not_rewritten_without_remote_header_rewrite_domain()
    {
        var maps = new FakeMaps().Add(Canon, "pabelard@example.com", "abelard@oreilly.com");
        var (r, sink) = Run(Processor($"canonical_maps = {Canon}", maps), Envelope(sender: "pabelard@example.com"), ["From: pabelard@example.com", "To: joe"]);
        Assert.Equal("abelard@oreilly.com", r.Sender);
        Assert.Contains("From: pabelard@example.com", sink.Headers);
        Assert.Contains("To: joe", sink.Headers);
    }

    [Fact]
    public void Remote_header_rewrite_domain_completes_remote_header_addresses()
    {
        var (_, sink) = Run(Processor("remote_header_rewrite_domain = domain.invalid"), Envelope(), ["To: joe, Ann <ann>"]);
        Assert.Contains("To: joe@domain.invalid, Ann <ann@domain.invalid>", sink.Headers);
    }

    [Fact]
    public void Local_context_completes_header_addresses_with_myorigin()
    {
        var (_, sink) = Run(Processor(), Envelope(local: true), ["To: joe", "Cc: \"Ann Other\" <ann> (comment)"]);
        Assert.Contains("To: joe@example.com", sink.Headers);
        Assert.Contains("Cc: \"Ann Other\" <ann@example.com> (comment)", sink.Headers);
    }

    [Fact]
    public void Envelope_sender_mailer_daemon_at_myorigin_becomes_null()
    {
        Assert.Equal("", Run(Processor(), Envelope(sender: "MAILER-DAEMON"), []).Result.Sender);
        Assert.Equal("", Run(Processor(), Envelope(sender: "mailer-daemon@example.com"), []).Result.Sender);
    }

    [Fact]
    public void Receive_override_no_address_mappings_skips_canonical()
    {
        var fake = new FakeMaps().Add(Canon, "a@example.com", "b@example.com");
        var env = Envelope(rcpts: ["a@example.com"]) with { Flags = Posthorn.Services.Cleanup.CleanupFlags.HeaderBodyChecks };
        Assert.Equal("a@example.com", Run(Processor($"canonical_maps = {Canon}", fake), env, []).Result.Recipients[0].Address);
    }

    [Fact]
    public void All_sender_and_recipient_headers_are_rewritten()
    {
        var maps = new FakeMaps().Add(Canon, "pabelard@example.com", "abelard@oreilly.com");
        var p = Processor($"canonical_maps = {Canon}", maps);
        var (_, sink) = Run(p, Envelope(local: true),
            ["Sender: pabelard@example.com", "Reply-To: <pabelard@example.com>", "Resent-From: pabelard@example.com",
             "Resent-To: pabelard@example.com", "Apparently-To: pabelard@example.com", "X-Not-An-Address: pabelard@example.com"]);
        Assert.Equal(
        [
            "Sender: abelard@oreilly.com",
            "Reply-To: <abelard@oreilly.com>",
            "Resent-From: abelard@oreilly.com",
            "Resent-To: abelard@oreilly.com",
            "Apparently-To: abelard@oreilly.com",
            "X-Not-An-Address: pabelard@example.com",
        ], AfterReceived(sink).Take(6));
    }

    [Fact]
    public void Local_submission_always_uses_the_local_rewriting_context()
    {
        var env = Envelope(client: Posthorn.Services.Cleanup.CleanupClient.Local(1000), local: false);
        Assert.Contains("To: joe@example.com", Run(Processor(), env, ["To: joe"]).Sink.Headers);
    }
}

public class LookupKeyFormTests
{
    [Fact]
    public void Canonical_maps_are_queried_with_quoted_local_parts_and_virtual_maps_without()
    {
        var maps = new FakeMaps()
            .Add("hash:canonical", "\"john doe\"@example.com", "jd@example.com")
            .Add("hash:virtual", "jd@example.com", "\"john doe\"@example.net");
        var p = CleanupTest.Processor("canonical_maps = hash:canonical\nvirtual_alias_maps = hash:virtual", maps);
        var r = CleanupTest.Run(p, CleanupTest.Envelope(rcpts: ["john doe@example.com"]), []).Result;
        Assert.Equal("john doe@example.net", r.Recipients[0].Address);
    }
}
