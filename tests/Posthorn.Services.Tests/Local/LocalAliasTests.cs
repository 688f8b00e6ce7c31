using Posthorn.Services.Delivery;

namespace Posthorn.Services.Tests.Local;

public sealed class LocalAliasTests
{
    [Fact]
    public async Task Postmaster_alias_to_root_delivers_to_the_target_mailbox()
    {
        using var f = new LocalFixture("root");
        f.Aliases("postmaster: root\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "postmaster@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.Equal("delivered to mailbox", r.Reason);
        var text = File.ReadAllText(f.SpoolFile("root"));
        Assert.Contains("\nX-Original-To: postmaster@example.com\n", text, StringComparison.Ordinal);
        Assert.Contains("\nDelivered-To: postmaster@example.com\n", text, StringComparison.Ordinal);
        Assert.Empty(f.Submitted);
    }

    [Fact]
    public async Task All_alias_fans_out_to_several_users_and_a_remote_address()
    {
        using var f = new LocalFixture("alice", "bob", "carol");
        f.Aliases("all: alice, bob,\n  carol, dave@remote.example\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "all@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        foreach (var u in new[] { "alice", "bob", "carol" })
            Assert.Contains("Delivered-To: all@example.com", File.ReadAllText(f.SpoolFile(u)), StringComparison.Ordinal);
        var forwarded = Assert.Single(f.Submitted);
        Assert.Equal("dave@remote.example", Assert.Single(forwarded.Recipients).Address);
        Assert.Equal("all@example.com", forwarded.Recipients[0].OriginalRecipient);
        Assert.Equal("sender@remote.example", forwarded.Sender);
        Assert.StartsWith("Delivered-To: all@example.com\r\nFrom: sender@remote.example\r\n", f.SubmittedContent[0], StringComparison.Ordinal);
        // Each member is reported for the log (to=<member>, orig_to=<all>), as Postfix's local(8).
        Assert.NotNull(r.Expanded);
        Assert.Equal(["alice@example.com", "bob@example.com", "carol@example.com", "all@example.com"], r.Expanded!.Select(e => e.Address));
    }

    [Fact]
    public async Task Duplicate_recipients_in_an_expansion_get_one_copy()
    {
        using var f = new LocalFixture("alice");
        f.Aliases("team: alice, alice@example.com, Alice\n");
        await LocalFixture.DeliverOne(f.Agent(), "team@example.com");
        var text = File.ReadAllText(f.SpoolFile("alice"));
        Assert.Single(text.Split('\n'), l => l.StartsWith("From sender@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Owner_alias_makes_the_expansion_a_new_message_from_owner()
    {
        using var f = new LocalFixture("alice", "bob");
        f.Aliases("staff: alice, bob\nowner-staff: alice\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "staff@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        var forwarded = Assert.Single(f.Submitted);
        Assert.Equal("owner-staff@example.com", forwarded.Sender);
        Assert.Equal(["alice@example.com", "bob@example.com"], forwarded.Recipients.Select(x => x.Address));
        // A list expansion does not pass on the original recipient (Postfix's alias.c, RFC 3461).
        Assert.All(forwarded.Recipients, x => Assert.True(string.IsNullOrEmpty(x.OriginalRecipient)));
        Assert.False(File.Exists(f.SpoolFile("alice")));
    }

    [Fact]
    public async Task Alias_naming_itself_delivers_to_the_user_mailbox()
    {
        using var f = new LocalFixture("alice");
        var copy = Path.Combine(f.Root, "alice.copy");
        f.Aliases($"alice: alice, {copy}\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "alice@example.com");
        Assert.Equal(DeliveryOutcome.Delivered, r.Outcome);
        Assert.True(File.Exists(f.SpoolFile("alice")));
        Assert.True(File.Exists(copy));
    }

    [Fact]
    public async Task File_target_is_appended_in_mbox_format()
    {
        using var f = new LocalFixture();
        var log = Path.Combine(f.Root, "archive.mbox");
        f.Aliases($"archive: {log}\n");
        var agent = f.Agent();
        var r = await LocalFixture.DeliverOne(agent, "archive@example.com");
        Assert.Equal($"delivered to file: {log}", r.Reason);
        await LocalFixture.DeliverOne(agent, "archive@example.com");
        var text = File.ReadAllText(log);
        Assert.Equal(2, text.Split('\n').Count(l => l.StartsWith("From sender@remote.example  ", StringComparison.Ordinal)));
        Assert.Contains("\n>From the start\n", text, StringComparison.Ordinal);
        Assert.Contains("\nDelivered-To: archive@example.com\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_target_ending_in_slash_is_a_maildir()
    {
        using var f = new LocalFixture();
        var dir = Path.Combine(f.Root, "archive-md") + "/";
        f.Aliases($"archive: {dir}\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "archive@example.com");
        Assert.Equal("delivered to maildir", r.Reason);
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "new")));
    }

    [Fact]
    public async Task Mail_to_files_restricted_by_allow_mail_to_files_bounces()
    {
        using var f = new LocalFixture();
        f.Aliases($"archive: {Path.Combine(f.Root, "x")}\n");
        var r = await LocalFixture.DeliverOne(f.Agent("allow_mail_to_files = forward"), "archive@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.7.1", r.DsnStatus);
        Assert.Equal("mail to file is restricted", r.Reason);
    }

    [Fact]
    public async Task Command_target_gets_message_and_Postfix_environment()
    {
        using var f = new LocalFixture();
        var outFile = Path.Combine(f.Root, "cmd.out");
        f.Aliases($"robot: \"|cat > {outFile}; env | sort >> {outFile}\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "Robot+ext@example.com");
        Assert.True(r.Outcome == DeliveryOutcome.Delivered, r.Reason);
        Assert.Equal($"delivered to command: cat > {outFile}; env | sort >> {outFile}", r.Reason);
        var text = File.ReadAllText(outFile);
        Assert.StartsWith("From sender@remote.example  ", text, StringComparison.Ordinal);
        Assert.Contains("\nFrom the start\n", text, StringComparison.Ordinal);
        Assert.Contains("\nSENDER=sender@remote.example\n", text, StringComparison.Ordinal);
        Assert.Contains("\nRECIPIENT=Robot+ext@example.com\n", text, StringComparison.Ordinal);
        Assert.Contains("\nLOCAL=robot+ext\n", text, StringComparison.Ordinal);
        Assert.Contains("\nUSER=robot\n", text, StringComparison.Ordinal);
        Assert.Contains("\nLOGNAME=robot\n", text, StringComparison.Ordinal);
        Assert.Contains("\nEXTENSION=ext\n", text, StringComparison.Ordinal);
        Assert.Contains("\nDOMAIN=example.com\n", text, StringComparison.Ordinal);
        Assert.Contains("\nORIGINAL_RECIPIENT=Robot+ext@example.com\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_exit_EX_TEMPFAIL_defers_with_its_output()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|echo busy now; exit 75\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "robot@example.com");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.3.0", r.DsnStatus);
        Assert.Equal("temporary failure. Command output: busy now ", r.Reason);
    }

    [Fact]
    public async Task Command_exit_EX_NOUSER_bounces_5_1_1()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|exit 67\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "robot@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.1.1", r.DsnStatus);
        Assert.Equal("user unknown", r.Reason);
    }

    [Fact]
    public async Task Command_other_exit_status_bounces_with_command_and_output()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|echo no such list >&2; exit 1\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "robot@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.3.0", r.DsnStatus);
        Assert.Equal("Command died with status 1: \"echo no such list >&2; exit 1\". Command output: no such list ", r.Reason);
    }

    [Fact]
    public async Task Command_printing_a_DSN_status_uses_it()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|echo 4.2.2 mailbox full; exit 1\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "robot@example.com");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.2.2", r.DsnStatus);
        Assert.Equal("mailbox full ", r.Reason);
    }

    [Fact]
    public async Task Command_time_limit_bounces()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|sleep 30\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent("command_time_limit = 1s"), "robot@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("Command time limit exceeded: \"sleep 30\"", r.Reason);
    }

    [Fact]
    public async Task Mail_to_commands_restricted_by_allow_mail_to_commands_bounces()
    {
        using var f = new LocalFixture();
        f.Aliases("robot: \"|cat\"\n");
        var r = await LocalFixture.DeliverOne(f.Agent("allow_mail_to_commands = forward"), "robot@example.com");
        Assert.Equal("5.7.1", r.DsnStatus);
        Assert.Equal("mail to command is restricted", r.Reason);
    }

    [Fact]
    public async Task Include_file_addresses_are_forwarded_and_its_files_written()
    {
        using var f = new LocalFixture("alice");
        var list = Path.Combine(f.Root, "list.txt");
        var copy = Path.Combine(f.Root, "list.mbox");
        File.WriteAllText(list, $"# members\nalice\nbob@remote.example, {copy}\n");
        f.Aliases($"list: :include:{list}\n");
        var r = await LocalFixture.DeliverOne(f.Agent("allow_mail_to_files = alias, forward, include"), "list@example.com");
        Assert.True(r.Outcome == DeliveryOutcome.Delivered, r.Reason);
        var forwarded = Assert.Single(f.Submitted);
        Assert.Equal(["alice@example.com", "bob@remote.example"], forwarded.Recipients.Select(x => x.Address));
        Assert.True(File.Exists(copy));
        Assert.False(File.Exists(f.SpoolFile("alice")));
    }

    [Fact]
    public async Task Files_in_include_files_are_restricted_by_default()
    {
        using var f = new LocalFixture();
        var list = Path.Combine(f.Root, "list.txt");
        File.WriteAllText(list, Path.Combine(f.Root, "out.mbox") + "\n");
        f.Aliases($"list: :include:{list}\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "list@example.com");
        Assert.Equal("5.7.1", r.DsnStatus);
        Assert.Equal("mail to file is restricted", r.Reason);
    }

    [Fact]
    public async Task Include_with_a_relative_path_bounces_as_configuration_error()
    {
        using var f = new LocalFixture();
        f.Aliases("list: :include:list.txt\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "list@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.3.5", r.DsnStatus);
        Assert.Equal("mail system configuration error", r.Reason);
    }

    [Fact]
    public async Task World_writable_include_file_is_refused()
    {
        using var f = new LocalFixture();
        var list = Path.Combine(f.Root, "list.txt");
        File.WriteAllText(list, "someone@remote.example\n");
        if (OperatingSystem.IsLinux())
            File.SetUnixFileMode(list, (UnixFileMode)0x1B6);
        f.Aliases($"list: :include:{list}\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "list@example.com");
        Assert.Equal("5.3.5", r.DsnStatus);
        Assert.Empty(f.Submitted);
    }

    [Fact]
    public async Task Alias_loop_through_two_names_ends_in_a_bounce_not_a_hang()
    {
        using var f = new LocalFixture();
        f.Aliases("a: b\nb: a\n");
        var r = await LocalFixture.DeliverOne(f.Agent(), "a@example.com");
        Assert.Equal(DeliveryOutcome.Bounced, r.Outcome);
        Assert.Equal("5.4.6", r.DsnStatus);
        Assert.Equal("recipient nesting limit exceeded", r.Reason);
    }

    [Fact]
    public async Task Alias_with_extension_is_looked_up_before_the_bare_name()
    {
        using var f = new LocalFixture("alice", "bob");
        f.Aliases("sales: alice\nsales+eu: bob\n");
        var agent = f.Agent();
        await LocalFixture.DeliverOne(agent, "sales+eu@example.com");
        Assert.True(File.Exists(f.SpoolFile("bob")));
        Assert.False(File.Exists(f.SpoolFile("alice")));
        await LocalFixture.DeliverOne(agent, "sales+us@example.com");
        Assert.True(File.Exists(f.SpoolFile("alice")));
    }

    [Fact]
    public async Task Unavailable_alias_database_defers()
    {
        using var f = new LocalFixture("alice");
        var r = await LocalFixture.DeliverOne(f.Agent($"alias_maps = hash:{f.Root}/missing"), "alice@example.com");
        Assert.Equal(DeliveryOutcome.Deferred, r.Outcome);
        Assert.Equal("4.3.0", r.DsnStatus);
        Assert.Equal("alias database unavailable", r.Reason);
    }
}
