using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.Local;

public sealed class LocalForwardTests
{
    [Fact]
    public async Task Dot_forward_sends_to_remote_address_and_keeps_a_copy_with_backslash_self()
    {
        using var f = new LocalFixture("alice");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward"), "\\alice, alice@elsewhere.example\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.True(r.Outcome == DeliveryOutcome.Delivered, r.Reason);
        Assert.True(File.Exists(f.SpoolFile("alice")));
        var forwarded = Assert.Single(f.Submitted);
        Assert.Equal("alice@elsewhere.example", Assert.Single(forwarded.Recipients).Address);
        Assert.StartsWith("Delivered-To: alice@example.com\r\n", f.SubmittedContent[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dot_forward_listing_the_user_itself_delivers_to_the_mailbox()
    {
        using var f = new LocalFixture("alice");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward"), "alice\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.Equal("delivered to mailbox", r.Reason);
        Assert.Empty(f.Submitted);
    }

    [Fact]
    public async Task Dot_forward_with_extension_is_chosen_first()
    {
        using var f = new LocalFixture("alice");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward"), "alice@elsewhere.example\n");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward+lists"), "lists@elsewhere.example\n");
        await LocalFixture.DeliverOne(f.Agent(), "alice+lists@example.com");
        Assert.Equal("lists@elsewhere.example", Assert.Single(Assert.Single(f.Submitted).Recipients).Address);
    }

    [Fact]
    public async Task Dot_forward_command_runs_when_allowed()
    {
        using var f = new LocalFixture("alice");
        var outFile = Path.Combine(f.Root, "fwd.out");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward"), $"\"|cat > {outFile}\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.Equal($"delivered to command: cat > {outFile}", r.Reason);
        Assert.Contains("Delivered-To: alice@example.com\n", File.ReadAllText(outFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task World_writable_dot_forward_is_ignored()
    {
        using var f = new LocalFixture("alice");
        var fwd = Path.Combine(f.Home("alice"), ".forward");
        File.WriteAllText(fwd, "alice@elsewhere.example\n");
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(fwd, (UnixFileMode)0x1B6);
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.Equal("delivered to mailbox", r.Reason);
        Assert.Empty(f.Submitted);
    }

    [Fact]
    public async Task Forwarding_without_cleanup_service_defers()
    {
        using var f = new LocalFixture("alice");
        File.WriteAllText(Path.Combine(f.Home("alice"), ".forward"), "alice@elsewhere.example\n");
        var agent = new Posthorn.Services.Local.LocalAgent(f.Agent().Settings, new NoUsers(f), Core.Logging.MailLog.Null, null);
        var r = await LocalFixture.DeliverOne(agent, "alice@example.com");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("unable to forward message", r.Reason);
    }

    private sealed class NoUsers(LocalFixture f) : Posthorn.Services.Local.ILocalUserLookup
    {
        private readonly Posthorn.Services.Local.ILocalUserLookup _inner = FixtureUsers(f);

        public Posthorn.Services.Local.LocalUser? Find(string name) => _inner.Find(name);

        public Posthorn.Services.Local.LocalUser? FindByUid(uint uid) => _inner.FindByUid(uid);

        private static Posthorn.Services.Local.ILocalUserLookup FixtureUsers(LocalFixture f) => f.Agent().Users;
    }
}
