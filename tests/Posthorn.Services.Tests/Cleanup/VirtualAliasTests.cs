using Posthorn.Services.Cleanup;
using static Posthorn.Services.Tests.Cleanup.CleanupTest;

namespace Posthorn.Services.Tests.Cleanup;

public class VirtualAliasTests
{
    private const string Virtual = "hash:/etc/postfix/virtual";

    private static CleanupResult Expand(FakeMaps maps, string extra, params string[] rcpts) =>
        Run(Processor($"virtual_alias_maps = {Virtual}\n{extra}", maps), Envelope(rcpts: rcpts), []).Result;

    private static List<string> Addresses(CleanupResult r) => r.Recipients.Select(x => x.Address).ToList();

    [Fact]
    public void Lecture_autoreply_alias_keeps_the_original_and_adds_the_second()
    {
        var maps = new FakeMaps().Add(Virtual, "user2dip@dip.cgri.edu", "user2dip@dip.cgri.edu, user2dip@autoreply.dip.cgri.edu");
        var r = Expand(maps, "", "user2dip@dip.cgri.edu");
        Assert.Equal(["user2dip@dip.cgri.edu", "user2dip@autoreply.dip.cgri.edu"], Addresses(r));
        Assert.All(r.Recipients, x => Assert.Equal("user2dip@dip.cgri.edu", x.Original));
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
    }

    [Fact]
    public void Expansion_is_recursive_and_keeps_the_original_recipient()
    {
        var maps = new FakeMaps()
            .Add(Virtual, "sales@example.com", "team@example.com, boss@example.net")
            .Add(Virtual, "team@example.com", "ann@example.net, bob@example.net");
        var r = Expand(maps, "", "sales@example.com");
        Assert.Equal(["ann@example.net", "boss@example.net", "bob@example.net"], Addresses(r));
        Assert.All(r.Recipients, x => Assert.Equal("sales@example.com", x.Original));
    }

    [Fact]
    public void Duplicate_results_are_delivered_once()
    {
        var maps = new FakeMaps().Add(Virtual, "a@example.com", "x@example.net, x@example.net");
        Assert.Equal(["x@example.net"], Addresses(Expand(maps, "", "a@example.com")));
    }

    [Fact]
    public void Duplicate_envelope_recipients_are_removed()
    {
        var r = Run(Processor(), Envelope(rcpts: ["a@example.net", "A@example.net", "b@example.net"]), []).Result;
        Assert.Equal(["a@example.net", "b@example.net"], Addresses(r));
    }

    [Fact]
    public void Catch_all_domain_entry_applies_after_exact_address()
    {
        var maps = new FakeMaps()
            .Add(Virtual, "info@virtual.example", "ann@example.net")
            .Add(Virtual, "@virtual.example", "postmaster@example.net");
        Assert.Equal(["ann@example.net"], Addresses(Expand(maps, "", "info@virtual.example")));
        Assert.Equal(["postmaster@example.net"], Addresses(Expand(maps, "", "other@virtual.example")));
    }

    [Fact]
    public void Extension_is_propagated_to_each_result()
    {
        var maps = new FakeMaps().Add(Virtual, "joe@virtual.example", "joe@example.net, log@example.net");
        Assert.Equal(["joe+list@example.net", "log+list@example.net"], Addresses(Expand(maps, "", "joe+list@virtual.example")));
    }

    [Fact]
    public void Bare_result_is_completed_with_myorigin()
    {
        var maps = new FakeMaps().Add(Virtual, "joe@virtual.example", "joe");
        Assert.Equal(["joe@example.com"], Addresses(Expand(maps, "", "joe@virtual.example")));
    }

    [Fact]
    public void Recursion_limit_defers_and_keeps_the_address_unexpanded()
    {
        var maps = new FakeMaps()
            .Add(Virtual, "a@example.com", "b@example.com")
            .Add(Virtual, "b@example.com", "c@example.com")
            .Add(Virtual, "c@example.com", "d@example.com");
        var r = Expand(maps, "virtual_alias_recursion_limit = 2", "a@example.com");
        Assert.Equal(CleanupDispositionKind.Defer, r.Disposition);
        Assert.Equal("451 4.6.0 Alias expansion error", r.Reply);
        Assert.Equal(["a@example.com"], Addresses(r));
        Assert.Contains("warning: 4ABC123DEF: unreasonable virtual_alias_maps map nesting for a@example.com -- message not accepted, try again later", Logs(r));
    }

    [Fact]
    public void Recursion_within_the_limit_is_fine()
    {
        var maps = new FakeMaps()
            .Add(Virtual, "a@example.com", "b@example.com")
            .Add(Virtual, "b@example.com", "c@example.com");
        var r = Expand(maps, "virtual_alias_recursion_limit = 3", "a@example.com");
        Assert.Equal(["c@example.com"], Addresses(r));
    }

    [Fact]
    public void Expansion_limit_defers_the_message()
    {
        var maps = new FakeMaps().Add(Virtual, "list@example.com", "a@example.net, b@example.net, c@example.net, d@example.net");
        var r = Expand(maps, "virtual_alias_expansion_limit = 3", "list@example.com");
        Assert.Equal(CleanupDispositionKind.Defer, r.Disposition);
        Assert.Contains("warning: 4ABC123DEF: unreasonable virtual_alias_maps map expansion size for list@example.com -- message not accepted, try again later", Logs(r));
        Assert.Equal(["list@example.com"], Addresses(r));
    }

    [Fact]
    public void Default_limits_are_postfix_defaults()
    {
        var s = Processor().Settings;
        Assert.Equal(1000, s.VirtualAliasRecursionLimit);
        Assert.Equal(1000, s.VirtualAliasExpansionLimit);
        Assert.Equal(1000, s.DuplicateFilterLimit);
    }

    [Fact]
    public void Address_that_maps_to_itself_stops_a_loop()
    {
        var maps = new FakeMaps()
            .Add(Virtual, "a@example.com", "a@example.com, b@example.com")
            .Add(Virtual, "b@example.com", "a@example.com");
        var r = Expand(maps, "", "a@example.com");
        Assert.Equal(CleanupDispositionKind.Accept, r.Disposition);
        Assert.Equal(["a@example.com"], Addresses(r));
    }

    [Fact]
    public void Dsn_fields_are_kept_for_each_result()
    {
        var maps = new FakeMaps().Add(Virtual, "a@example.com", "x@example.net, y@example.net");
        var env = Envelope() with { Recipients = [new CleanupRecipient("a@example.com", "A@Example.COM", 4, "rfc822;A@Example.COM")] };
        var r = Run(Processor($"virtual_alias_maps = {Virtual}", maps), env, []).Result;
        Assert.All(r.Recipients, x =>
        {
            Assert.Equal("A@Example.COM", x.Original);
            Assert.Equal(4, x.DsnNotify);
            Assert.Equal("rfc822;A@Example.COM", x.DsnOrcpt);
        });
    }
}
