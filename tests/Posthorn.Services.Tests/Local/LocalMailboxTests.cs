using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.Local;

public sealed class LocalMailboxTests
{
    [Fact]
    public async Task Delivers_to_mbox_in_mail_spool_directory_with_From_line_and_quoting()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("2.0.0", r.DsnStatus);
        Assert.Equal("delivered to mailbox", r.Reason);
        var text = File.ReadAllText(f.SpoolFile("alice"));
        Assert.StartsWith("From sender@remote.example  ", text, StringComparison.Ordinal);
        var lines = text.Split('\n');
        Assert.Equal("Return-Path: <sender@remote.example>", lines[1]);
        Assert.Equal("X-Original-To: alice@example.com", lines[2]);
        Assert.Equal("Delivered-To: alice@example.com", lines[3]);
        Assert.Contains("\n>From the start\n", text, StringComparison.Ordinal);
        Assert.EndsWith("body line\n\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_sender_is_MAILER_DAEMON_in_From_line_and_empty_Return_Path()
    {
        using var f = new LocalFixture("alice");
        await LocalFixture.DeliverOne(f.Agent(), "alice@example.com", sender: "");
        var text = File.ReadAllText(f.SpoolFile("alice"));
        Assert.StartsWith("From MAILER-DAEMON  ", text, StringComparison.Ordinal);
        Assert.Contains("\nReturn-Path: <>\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Home_mailbox_ending_in_slash_delivers_to_Maildir()
    {
        using var f = new LocalFixture("bob");
        var r = await LocalFixture.DeliverOne(f.Agent("home_mailbox = Maildir/"), "bob@example.com");
        Assert.Equal("delivered to maildir", r.Reason);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(f.Home("bob"), "Maildir", "new")));
        var text = File.ReadAllText(file);
        Assert.StartsWith("Return-Path: <sender@remote.example>\nX-Original-To: bob@example.com\nDelivered-To: bob@example.com\nFrom: sender@remote.example\n", text, StringComparison.Ordinal);
        Assert.Contains("\nFrom the start\n", text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(f.Home("bob"), "Maildir", "tmp")));
    }

    [Fact]
    public async Task Home_mailbox_without_slash_is_an_mbox_in_the_home_directory()
    {
        using var f = new LocalFixture("bob");
        var r = await LocalFixture.DeliverOne(f.Agent("home_mailbox = Mailbox"), "bob@example.com");
        Assert.Equal("delivered to mailbox", r.Reason);
        Assert.StartsWith("From ", File.ReadAllText(Path.Combine(f.Home("bob"), "Mailbox")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_part_is_case_folded_and_extension_stripped()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent(), "Alice+lists@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Contains("Delivered-To: Alice+lists@example.com", File.ReadAllText(f.SpoolFile("alice")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_user_bounces_5_1_1()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent(), "nobody-here@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.1.1", r.DsnStatus);
        Assert.Equal("unknown user: \"nobody-here\"", r.Reason);
    }

    [Fact]
    public async Task Luser_relay_forwards_mail_for_unknown_users()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent("luser_relay = catchall@relay.example"), "ghost@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("forwarded as 5FWD1", r.Reason);
        Assert.Equal("catchall@relay.example", Assert.Single(Assert.Single(f.Submitted).Recipients).Address);
    }

    [Fact]
    public async Task Missing_postmaster_alias_is_discarded_not_bounced()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent(), "postmaster@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("discarded", r.Reason);
    }

    [Fact]
    public async Task Delivered_To_loop_bounces_5_4_6()
    {
        using var f = new LocalFixture("alice");
        var message = "Delivered-To: ALICE@example.com\nFrom: x@y\nSubject: loop\n\nbody\n";
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com", message);
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.4.6", r.DsnStatus);
        Assert.Equal("mail forwarding loop for alice@example.com", r.Reason);
        Assert.False(File.Exists(f.SpoolFile("alice")));
    }

    [Fact]
    public async Task Delivered_To_in_the_body_is_not_a_loop()
    {
        using var f = new LocalFixture("alice");
        var message = "From: x@y\nSubject: quoted\n\nDelivered-To: alice@example.com\n";
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com", message);
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
    }

    [Fact]
    public async Task Enable_original_recipient_no_omits_X_Original_To()
    {
        using var f = new LocalFixture("alice");
        await LocalFixture.DeliverOne(f.Agent("enable_original_recipient = no"), "alice@example.com");
        Assert.DoesNotContain("X-Original-To:", File.ReadAllText(f.SpoolFile("alice")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mailbox_command_gets_the_message_and_runs_for_the_user()
    {
        using var f = new LocalFixture("alice");
        var outFile = Path.Combine(f.Root, "mbcmd.out");
        var r = await LocalFixture.DeliverOne(f.Agent($"mailbox_command = /bin/sh -c 'cat > {outFile}; echo \"$USER $HOME\" >> {outFile}'"), "alice@example.com");
        Assert.True(r.Outcome == DeliveryOutcome.Delivered, r.Reason);
        Assert.StartsWith("delivered to command: ", r.Reason, StringComparison.Ordinal);
        var text = File.ReadAllText(outFile);
        Assert.StartsWith("From sender@remote.example  ", text, StringComparison.Ordinal);
        Assert.Contains("\nFrom the start\n", text, StringComparison.Ordinal);
        Assert.EndsWith($"alice {f.Home("alice")}\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mailbox_transport_without_that_agent_defers()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent("mailbox_transport = lmtp:unix:/tmp/none"), "alice@example.com");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("mail transport unavailable", r.Reason);
    }

    [Fact]
    public async Task Each_recipient_of_a_request_gets_its_own_result()
    {
        using var f = new LocalFixture("alice", "bob");
        var agent = f.Agent();
        var result = await agent.DeliverAsync(LocalFixture.Request("s@remote.example", LocalFixture.Simple, "alice@example.com", "ghost@example.com", "bob@example.com"), CancellationToken.None);
        Assert.Equal([DeliveryOutcome.Delivered, DeliveryOutcome.Bounced, DeliveryOutcome.Delivered], result.Recipients.Select(r => r.Outcome));
        Assert.Equal([0, 1, 2], result.Recipients.Select(r => r.Recipient.Index));
    }
}
