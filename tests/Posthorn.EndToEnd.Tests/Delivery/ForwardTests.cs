namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// ~/.forward through local(8) (forward_path, default $home/.forward${recipient_delimiter}${extension},
/// $home/.forward): a forward to another local user, to a command run as the user, and
/// "\user" keeping a copy in the user's own mailbox.
/// </summary>
public sealed class ForwardTests
{
    [Fact]
    public void Forward_file_sends_to_another_user_and_a_command_and_keeps_a_copy()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var pippo = lab.AddUser("pippo");
        var pippo2 = lab.AddUser("pippo2");
        var home = lab.Home(pippo);
        DeliveryLab.WriteOwned(Path.Combine(home, ".forward"),
            $"{pippo2}@example.test, \"|cat > {home}/forwarded.out; id -un >> {home}/forwarded.out\", \\{pippo}\n", pippo);
        lab.Start();
        lab.Send("bob@example.org", [$"{pippo}@example.test"], "Subject: via forward\n\nhello pippo\n");

        var other = lab.WaitForMbox(Path.Combine(lab.Spool, pippo2));
        Assert.Contains("Subject: via forward", other, StringComparison.Ordinal);
        Assert.Contains($"Delivered-To: {pippo}@example.test", other, StringComparison.Ordinal); // forwarded mail carries it (prepend_delivered_header)
        var own = lab.WaitForMbox(Path.Combine(lab.Spool, pippo));
        Assert.Contains("Subject: via forward", own, StringComparison.Ordinal);
        var outFile = Path.Combine(home, "forwarded.out");
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.ReadOrEmpty(outFile).EndsWith(pippo + "\n", StringComparison.Ordinal)), lab.Log);
        Assert.Contains("hello pippo", File.ReadAllText(outFile), StringComparison.Ordinal);
        Assert.True(lab.Ms.WaitForLog($"to=<{pippo}@example.test>"), lab.Log);
        Assert.DoesNotContain("status=bounced", lab.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("status=deferred", lab.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void World_writable_forward_is_ignored_and_mail_goes_to_the_mailbox()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var pippo = lab.AddUser("pippo");
        var pippo2 = lab.AddUser("pippo2");
        DeliveryLab.WriteOwned(Path.Combine(lab.Home(pippo), ".forward"), $"{pippo2}\n", pippo, "666");
        lab.Start();
        lab.Send("bob@example.org", [$"{pippo}@example.test"], "Subject: unsafe forward\n\nx\n");

        Assert.Contains("Subject: unsafe forward", lab.WaitForMbox(Path.Combine(lab.Spool, pippo)), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.Spool, pippo2)));
    }
}
