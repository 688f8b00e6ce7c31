namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// local(8) through a running system: mail to a local user lands in the mbox under
/// mail_spool_directory (From_ line, &gt;From quoting, Return-Path, X-Original-To,
/// Delivered-To) or in ~/Maildir/ (home_mailbox = Maildir/), and a message that already
/// carries Delivered-To for the recipient bounces with 5.4.6 (mail forwarding loop).
/// </summary>
public sealed class LocalDeliveryTests
{
    [Fact]
    public void Local_user_mail_lands_in_the_spool_mbox_with_from_line_and_quoting()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var alice = lab.AddUser("alice");
        lab.Start();
        lab.Send("bob@example.org", [$"{alice}@example.test"], "Subject: mbox\n\nFrom the start\n>From quoted already\nbody\n");

        var mbox = lab.WaitForMbox(Path.Combine(lab.Spool, alice));
        var lines = mbox.Split('\n');
        Assert.Matches(@"^From bob@example\.org  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$", lines[0]);
        Assert.Equal("Return-Path: <bob@example.org>", lines[1]);
        Assert.Equal($"X-Original-To: {alice}@example.test", lines[2]);
        Assert.Equal($"Delivered-To: {alice}@example.test", lines[3]);
        // Postfix quotes "From " lines only (mail_copy MAIL_COPY_QUOTE), not ">From ".
        Assert.Contains("\n>From the start\n>From quoted already\nbody\n\n", mbox, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", mbox, StringComparison.Ordinal);
        Assert.True(lab.Ms.WaitForLog("status=sent (delivered to mailbox)"), lab.Log);
        Assert.Equal(alice, MailSystemOwner(Path.Combine(lab.Spool, alice)));
    }

    [Fact]
    public void Home_mailbox_Maildir_gets_one_file_in_new()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab("home_mailbox = Maildir/\n");
        var alice = lab.AddUser("alice");
        lab.Start();
        lab.Send("bob@example.org", [$"{alice}@example.test"], "Subject: maildir\n\nFrom here\n");

        var maildir = Path.Combine(lab.Home(alice), "Maildir");
        Assert.True(DeliveryLab.WaitFor(() => DeliveryLab.MaildirNew(maildir).Length == 1), lab.Log);
        var text = File.ReadAllText(DeliveryLab.MaildirNew(maildir)[0]);
        Assert.StartsWith($"Return-Path: <bob@example.org>\nX-Original-To: {alice}@example.test\nDelivered-To: {alice}@example.test\n", text, StringComparison.Ordinal);
        Assert.Contains("\nFrom here\n", text, StringComparison.Ordinal); // no From_ line and no quoting in Maildir
        Assert.True(Directory.Exists(Path.Combine(maildir, "cur")) && Directory.Exists(Path.Combine(maildir, "tmp")));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        Assert.False(File.Exists(Path.Combine(lab.Spool, alice)));
        Assert.True(lab.Ms.WaitForLog("status=sent (delivered to maildir)"), lab.Log);
        Assert.Equal(alice, MailSystemOwner(DeliveryLab.MaildirNew(maildir)[0]));
    }

    [Fact]
    public void Message_already_delivered_to_the_recipient_bounces_with_5_4_6()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab();
        var alice = lab.AddUser("alice");
        var bob = lab.AddUser("bob");
        lab.Start();
        lab.Send($"{bob}@example.test", [$"{alice}@example.test"],
            $"Delivered-To: {alice}@example.test\nSubject: second pass\n\nlooping\n");

        Assert.True(lab.Ms.WaitForLog($"to=<{alice}@example.test>"), lab.Log);
        Assert.Contains($"dsn=5.4.6, status=bounced (mail forwarding loop for {alice}@example.test)", lab.Log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(lab.Spool, alice)));
        var bounce = lab.WaitForMbox(Path.Combine(lab.Spool, bob));
        Assert.Contains("Status: 5.4.6", bounce, StringComparison.Ordinal);
    }

    private static string MailSystemOwner(string path) =>
        Support.MailSystem.Run("stat", ["-c", "%U", path]).Stdout.Trim();
}
