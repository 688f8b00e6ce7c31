using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.Tests.Local;
using Posthorn.Services.Virtual;

namespace Posthorn.Services.Tests.Virtual;

public sealed class VirtualAgentTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "posthorn-virtual-" + Guid.NewGuid().ToString("N"));

    public VirtualAgentTests() => Directory.CreateDirectory(Path.Combine(_root, "vmail"));

    private string Base => Path.Combine(_root, "vmail");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private VirtualAgent Agent(string mailboxes, string extra = "")
    {
        var table = Path.Combine(_root, "vmailbox");
        File.WriteAllText(table, mailboxes);
        var config = MainConfig.FromText($"""
            virtual_mailbox_base = {Base}
            virtual_mailbox_maps = texthash:{table}
            virtual_uid_maps = static:5000
            virtual_gid_maps = static:5000
            recipient_delimiter = +
            {extra}
            """ + "\n", _root);
        return new VirtualAgent(config, MailLog.Null);
    }

    private static async Task<RecipientResult> Deliver(VirtualAgent agent, string rcpt, string message = LocalFixture.Simple)
    {
        var request = LocalFixture.Request("sender@remote.example", message, rcpt) with { Transport = "virtual" };
        return Assert.Single((await agent.DeliverAsync(request, CancellationToken.None)).Recipients);
    }

    [Fact]
    public async Task Result_ending_in_slash_delivers_to_Maildir()
    {
        var agent = Agent("info@example.net  example.net/info/\n");
        var r = await Deliver(agent, "info@example.net");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("delivered to maildir", r.Reason);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(Base, "example.net", "info", "new")));
        Assert.StartsWith("Return-Path: <sender@remote.example>\nX-Original-To: info@example.net\nDelivered-To: info@example.net\nFrom: sender@remote.example\n", File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Result_without_slash_delivers_to_mbox()
    {
        // As in Postfix, the directory of an mbox must exist; a Maildir is created.
        Directory.CreateDirectory(Path.Combine(Base, "example.net"));
        var agent = Agent("sales@example.net  example.net/sales\n");
        var r = await Deliver(agent, "sales@example.net");
        Assert.Equal("delivered to mailbox", r.Reason);
        var text = File.ReadAllText(Path.Combine(Base, "example.net", "sales"));
        Assert.StartsWith("From sender@remote.example  ", text, StringComparison.Ordinal);
        Assert.Contains("\n>From the start\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mbox_in_a_missing_directory_defers()
    {
        var r = await Deliver(Agent("sales@example.net  example.net/sales\n"), "sales@example.net");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.StartsWith("delivery failed to mailbox ", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extension_is_ignored_and_catch_all_domain_entry_is_used()
    {
        var agent = Agent("info@example.net  example.net/info/\n@example.org  example.org/catchall/\n");
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver(agent, "Info+news@example.net")).Outcome);
        Assert.Single(Directory.GetFiles(Path.Combine(Base, "example.net", "info", "new")));
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver(agent, "anyone@example.org")).Outcome);
        Assert.Single(Directory.GetFiles(Path.Combine(Base, "example.org", "catchall", "new")));
    }

    [Fact]
    public async Task Unknown_user_bounces_with_the_address()
    {
        var r = await Deliver(Agent("info@example.net  example.net/info/\n"), "nobody@example.net");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.1.1", r.DsnStatus);
        Assert.Equal("unknown user: \"nobody@example.net\"", r.Reason);
    }

    [Theory]
    [InlineData("example.net/../../etc/")]
    [InlineData("../outside")]
    [InlineData("/etc/passwd")]
    public async Task Mailbox_path_escaping_the_base_is_refused(string result)
    {
        var r = await Deliver(Agent($"evil@example.net  {result}\n"), "evil@example.net");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.3.5", r.DsnStatus);
        Assert.Equal("mail system configuration error", r.Reason);
        Assert.False(File.Exists(Path.Combine(_root, "outside")));
    }

    [Fact]
    public async Task Uid_below_virtual_minimum_uid_is_a_configuration_error()
    {
        var r = await Deliver(Agent("info@example.net  example.net/info/\n", "virtual_minimum_uid = 6000"), "info@example.net");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.3.5", r.DsnStatus);
    }

    [Fact]
    public async Task Gid_zero_is_a_configuration_error()
    {
        var r = await Deliver(Agent("info@example.net  example.net/info/\n", "virtual_gid_maps = static:0"), "info@example.net");
        Assert.Equal("4.3.5", r.DsnStatus);
    }

    [Fact]
    public async Task Mbox_over_virtual_mailbox_limit_bounces_5_2_2()
    {
        Directory.CreateDirectory(Path.Combine(Base, "example.net"));
        var agent = Agent("sales@example.net  example.net/sales\n", "virtual_mailbox_limit = 300");
        Assert.Equal(DeliveryOutcome.Delivered, (await Deliver(agent, "sales@example.net")).Outcome);
        var r = await Deliver(agent, "sales@example.net");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.2.2", r.DsnStatus);
        Assert.Contains("File too large", r.Reason, StringComparison.Ordinal);
    }
}
