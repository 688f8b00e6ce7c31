namespace Posthorn.EndToEnd.Tests.Delivery;

/// <summary>
/// notify_classes (postconf(5); the lecture's table) with the default "resource, software":
/// an SMTP session that fails on a configuration error (451 4.3.5, software) or on a full queue
/// file system (452 4.3.1, resource) makes smtpd mail the session transcript to
/// error_notice_recipient (postmaster, aliased here to the admin); a policy rejection does not,
/// unless notify_classes names policy.
/// </summary>
public sealed class NotifyClassesTests
{
    private static string Session(DeliveryLab lab, params string[] commands)
    {
        using var client = new System.Net.Sockets.TcpClient("127.0.0.1", lab.SmtpPort);
        client.ReceiveTimeout = 30_000;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, System.Text.Encoding.Latin1);
        var replies = new System.Text.StringBuilder();
        void Read()
        {
            string line;
            do
            {
                line = reader.ReadLine() ?? "";
                replies.Append(line).Append('\n');
            }
            while (line.Length > 3 && line[3] == '-');
        }
        Read();
        foreach (var c in commands)
        {
            stream.Write(System.Text.Encoding.Latin1.GetBytes(c + "\r\n"));
            Read();
        }
        return replies.ToString();
    }

    [Fact]
    public void Software_error_mails_the_transcript_to_postmaster()
    {
        if (!DeliveryLab.Available)
            return;
        using var lab = new DeliveryLab("smtpd_recipient_restrictions = check_recipient_access texthash:$config_directory/access, permit_mynetworks, reject\n");
        var admin = lab.AddUser("admin");
        // A lookup table inside an access map is a configuration error (smtpd_check.c): 451 4.3.5.
        File.WriteAllText(Path.Combine(lab.Dir, "access"), $"{admin}@example.test hash:/etc/postfix/other\n");
        File.WriteAllText(lab.AliasesPath, $"postmaster: {admin}\n");
        lab.Start();
        var replies = Session(lab, "EHLO client.example.test", "MAIL FROM:<bob@example.org>", $"RCPT TO:<{admin}@example.test>", "QUIT");
        Assert.Contains("451 4.3.5 Server configuration error", replies, StringComparison.Ordinal);

        var m = BounceTests.LastMessage(lab.WaitForMbox(Path.Combine(lab.Spool, admin)));
        Assert.EndsWith("SMTP server: errors from localhost[127.0.0.1]", m.Subject, StringComparison.Ordinal);
        var text = m.TextBody!;
        Assert.Contains("Transcript of session follows.", text, StringComparison.Ordinal);
        Assert.Contains(" In:  MAIL FROM:<bob@example.org>", text, StringComparison.Ordinal);
        Assert.Contains(" Out: 451 4.3.5 Server configuration error", text, StringComparison.Ordinal);
        Assert.Contains(" In:  QUIT", text, StringComparison.Ordinal);
        Assert.Contains("For other details, see the local mail logfile", text, StringComparison.Ordinal);
        Assert.Contains("Return-Path: <double-bounce@mail.example.test>", File.ReadAllText(Path.Combine(lab.Spool, admin)), StringComparison.Ordinal);
    }

    [Fact]
    public void Resource_error_is_reported_and_policy_rejections_only_when_asked()
    {
        if (!DeliveryLab.Available)
            return;
        using (var lab = new DeliveryLab("queue_minfree = 999999999999999\n"))
        {
            var admin = lab.AddUser("admin");
            File.WriteAllText(lab.AliasesPath, $"postmaster: {admin}\n");
            lab.Start();
            var replies = Session(lab, "EHLO client.example.test", "MAIL FROM:<bob@example.org>", "QUIT");
            Assert.Contains("452 4.3.1 Insufficient system storage", replies, StringComparison.Ordinal);
            var text = BounceTests.LastMessage(lab.WaitForMbox(Path.Combine(lab.Spool, admin))).TextBody!;
            Assert.Contains(" Out: 452 4.3.1 Insufficient system storage", text, StringComparison.Ordinal);
        }
        foreach (var classes in new[] { "resource, software", "policy" })
        {
            using var lab = new DeliveryLab($"notify_classes = {classes}\nmynetworks = 192.0.2.0/24\n");
            var admin = lab.AddUser("admin");
            File.WriteAllText(lab.AliasesPath, $"postmaster: {admin}\n");
            lab.Start();
            var replies = Session(lab, "EHLO client.example.test", "MAIL FROM:<bob@example.org>", "RCPT TO:<x@not-ours.example>", "QUIT");
            Assert.Contains("454 4.7.1 <x@not-ours.example>: Relay access denied", replies, StringComparison.Ordinal);
            var box = Path.Combine(lab.Spool, admin);
            if (classes == "policy")
            {
                Assert.Contains(" Out: 454 4.7.1 <x@not-ours.example>: Relay access denied", BounceTests.LastMessage(lab.WaitForMbox(box)).TextBody!, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(lab.Ms.WaitForLog("disconnect from"), lab.Log);
                Thread.Sleep(1500);
                Assert.False(File.Exists(box), DeliveryLab.ReadOrEmpty(box));
            }
        }
    }
}
