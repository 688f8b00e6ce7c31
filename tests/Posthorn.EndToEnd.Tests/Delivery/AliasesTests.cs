namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// The lecture's /etc/aliases through newaliases and a running local(8) (aliases(5)):
/// mailer-daemon → postmaster → root → the admin, the <c>all:</c> fan-out over three local
/// addresses, the "kyle.dent: kdent, ..." simple alias, and the info examples: a /file
/// target, a "|command" target and an :include: list, with owner-info-list receiving the
/// errors of the list instead of the sender.
/// </summary>
public sealed class AliasesTests
{
    [Fact]
    public void Lecture_aliases_fan_out_to_users_files_commands_and_include_lists()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var admin = lab.AddUser("admin");
        var u1 = lab.AddUser("u1");
        var u2 = lab.AddUser("u2");
        var u3 = lab.AddUser("u3");
        var kdent = lab.AddUser("kdent");
        var bob = lab.AddUser("bob");
        // Alias files and commands run as default_privs (nobody) because root owns the aliases file.
        var files = Path.Combine(lab.Dir, "files");
        Directory.CreateDirectory(files);
        DeliveryLab.Chmod("1777", files);
        var list = Path.Combine(lab.Dir, "info_list");
        File.WriteAllText(list, $"# the list\n{u1}\n{u2}@example.test, nosuchuser\n");
        File.WriteAllText(lab.AliasesPath, $"""
            # /etc/aliases
            mailer-daemon: postmaster
            postmaster: root
            nobody: root
            hostmaster: root
            abuse: root
            root: {admin}
            all: {u1}, {u2}@example.test, {u3}@mail.example.test
            kyle.dent: {kdent}, kdent@oreilly.invalid
            info-file: {files}/info_box
            info-cmd: "|cat > {files}/autoreply.out; id -un >> {files}/autoreply.out"
            info-list: :include:{list}
            owner-info-list: {admin}
            """ + "\n");
        lab.Start();

        lab.Send($"{bob}@example.test", ["postmaster@example.test"], "Subject: to postmaster\n\nhi\n");
        var adminMail = lab.WaitForMbox(Path.Combine(lab.Spool, admin));
        Assert.Contains("Delivered-To: postmaster@example.test", adminMail, StringComparison.Ordinal);
        Assert.Contains("X-Original-To: postmaster@example.test", adminMail, StringComparison.Ordinal);

        lab.Send($"{bob}@example.test", ["all@example.test"], "To: all@example.test\nSubject: mail x tutti\n\nAdunata!\n");
        foreach (var u in new[] { u1, u2, u3 })
        {
            var m = lab.WaitForMbox(Path.Combine(lab.Spool, u));
            Assert.Contains("Subject: mail x tutti", m, StringComparison.Ordinal);
            Assert.Contains("Delivered-To: all@example.test", m, StringComparison.Ordinal);
        }

        lab.Send($"{bob}@example.test", ["info-file@example.test", "info-cmd@example.test"], "Subject: info\n\nFrom a file\n");
        var box = lab.WaitForMbox(Path.Combine(files, "info_box"));
        Assert.StartsWith($"From {bob}@example.test  ", box, StringComparison.Ordinal);
        Assert.Contains("\n>From a file\n", box, StringComparison.Ordinal);
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.ReadOrEmpty(Path.Combine(files, "autoreply.out")).EndsWith("nobody\n", StringComparison.Ordinal)), lab.Log);
        var piped = File.ReadAllText(Path.Combine(files, "autoreply.out"));
        Assert.StartsWith($"From {bob}@example.test  ", piped, StringComparison.Ordinal);
        Assert.Contains("Subject: info", piped, StringComparison.Ordinal);
        Assert.True(lab.Ms.WaitForLog($"to=<info-cmd@example.test>"), lab.Log);
        Assert.Contains("status=sent (delivered to command: cat >", lab.Log, StringComparison.Ordinal);
        Assert.Contains($"status=sent (delivered to file: {files}/info_box)", lab.Log, StringComparison.Ordinal);

        lab.Send($"{bob}@example.test", ["info-list@example.test"], "Subject: to the list\n\nlist mail\n");
        Assert.Contains("Subject: to the list", lab.WaitForMbox(Path.Combine(lab.Spool, u1), 2), StringComparison.Ordinal);
        Assert.Contains("Subject: to the list", lab.WaitForMbox(Path.Combine(lab.Spool, u2), 2), StringComparison.Ordinal);
        // nosuchuser bounces to owner-info-list (the admin), not to the sender.
        var owner = lab.WaitForMbox(Path.Combine(lab.Spool, admin), 2);
        Assert.Contains("Final-Recipient: rfc822; nosuchuser@example.test", owner, StringComparison.Ordinal);
        Assert.Contains("Status: 5.1.1", owner, StringComparison.Ordinal);
        Assert.Contains("Subject: to the list", owner, StringComparison.Ordinal);
        Thread.Sleep(500);
        Assert.False(File.Exists(Path.Combine(lab.Spool, bob)), "the sender got the list's bounce: " + DeliveryLab.ReadOrEmpty(Path.Combine(lab.Spool, bob)));

        lab.Send($"{bob}@example.test", ["kyle.dent@example.test"], "Subject: simple alias\n\nx\n");
        Assert.Contains("Subject: simple alias", lab.WaitForMbox(Path.Combine(lab.Spool, kdent)), StringComparison.Ordinal);
    }
}
