namespace Posthorn.EndToEnd.Tests.Lab;

/// <summary>
/// The lecture's lab end to end (issue 9), on the hosts examples/lab/lab.sh builds in network
/// namespaces: dns-sld (mail.cgri.edu, DNS, LMTP, POP3, IMAP), server1 (mail.stud.cgri.edu),
/// dns-stud (backup MX of stud.cgri.edu), server2 (mail.dip.cgri.edu, user2dip's autoreply).
/// Each test sends its own message (a fresh Message-Id or Subject) and leaves every host running.
/// </summary>
public sealed class LabTests : IClassFixture<LabFixture>
{
    private const string User1Sld = "home/user1sld/Maildir";
    private const string User1Stud = "vmail/stud.cgri.edu/user1stud";
    private const string RootStud = "vmail/stud.cgri.edu/root";
    private const string User1Dip = "vmail/dip.cgri.edu/user1dip";
    private const string User2Dip = "vmail/dip.cgri.edu/user2dip";
    private const string RootDip = "vmail/dip.cgri.edu/root";

    private readonly LabFixture _lab;

    public LabTests(LabFixture lab)
    {
        _lab = lab;
    }

    private static string Unique(string what) => what + "-" + Guid.NewGuid().ToString("N")[..10];

    [LabFact]
    public void All_at_cgri_edu_from_root_at_dip_reaches_user1sld_user1dip_and_user1stud()
    {
        var id = Unique("adunata") + "@mail.dip.cgri.edu";
        _lab.Sendmail("server2", "root", "all@cgri.edu",
            $"To: all@cgri.edu\nSubject: mail x tutti\nMessage-Id: <{id}>\n\nAdunata!\n");

        var sld = _lab.WaitForMail("dns-sld", User1Sld, id);
        var dip = _lab.WaitForMail("server2", User1Dip, id);
        var stud = _lab.WaitForMail("server1", User1Stud, id);
        _lab.Show($"lab: the lecture's message from root@dip.cgri.edu to all@cgri.edu (Message-Id <{id}>), host by host:\n"
            + _lab.Trace(id, ["server2", "dns-sld", "server1", "dns-stud"]));
        Assert.True(sld is not null && dip is not null && stud is not null, _lab.AllLogs());
        Assert.Contains("Delivered-To: user1sld@cgri.edu", sld, StringComparison.Ordinal);
        Assert.Contains("Delivered-To: user1dip@dip.cgri.edu", dip, StringComparison.Ordinal);
        Assert.Contains("Delivered-To: user1stud@stud.cgri.edu", stud, StringComparison.Ordinal);
        // The copies left dns-sld by MX lookups in the lab's DNS, as in the lecture's trace.
        var log = _lab.Log("dns-sld");
        Assert.Contains("relay=mail.dip.cgri.edu[198.18.0.21]:25", log, StringComparison.Ordinal);
        Assert.Contains("relay=mail.stud.cgri.edu[198.18.0.11]:25", log, StringComparison.Ordinal);
    }

    [LabFact]
    public void Mail_for_user1sld_goes_over_LMTP_to_the_mailbox_service_and_is_read_over_POP3_and_IMAP()
    {
        var subject = Unique("email di user1stud");
        _lab.Sendmail("server1", "user1stud@stud.cgri.edu", "user1sld@cgri.edu",
            $"To: user1sld@cgri.edu\nSubject: {subject}\n\ntanti cari saluti da user1stud\n");
        Assert.NotNull(_lab.WaitForMail("dns-sld", User1Sld, subject));
        // local(8) handed the mailbox to lmtpd (mailbox_transport = lmtp:unix:private/lmtpd).
        Assert.True(_lab.WaitForLog("dns-sld", @"posthorn/lmtpd\[\d+\]: L[0-9A-F]+: from=<user1stud@stud\.cgri\.edu>, to=<user1sld@cgri\.edu>, user=<user1sld>.*saved mail to INBOX") is not null, _lab.Log("dns-sld"));
        Assert.True(_lab.WaitForLog("dns-sld", @"to=<user1sld@cgri\.edu>, relay=local, .*status=sent \(250 2\.0\.0 <user1sld@cgri\.edu> L[0-9A-F]+ Saved\)") is not null, _lab.Log("dns-sld"));

        // The lecture's Thunderbird: a client on another host logs in as user1sld (password pippo).
        var client = _lab.Exec("server1", null, "python3", "-c", $$"""
            import poplib, imaplib
            want = "{{subject}}"
            p = poplib.POP3("mail.cgri.edu", 110, timeout=20)
            p.user("user1sld"); p.pass_("pippo")
            count, size = p.stat()
            found = [n for n in range(1, count + 1) if any(want in l.decode() for l in p.top(n, 0)[1])]
            body = b"\n".join(p.retr(found[0])[1]).decode()
            print("POP3", count, "messages; RETR", found[0], "ok" if "tanti cari saluti" in body else "WRONG")
            print(p.uidl(found[0]).decode())
            p.quit()
            i = imaplib.IMAP4("mail.cgri.edu", 143, timeout=20)
            i.login("user1sld", "pippo")
            i.select("INBOX")
            typ, hits = i.search(None, "SUBJECT", '"' + want + '"')
            typ, data = i.fetch(hits[0].split()[0], "(BODY.PEEK[TEXT])")
            print("IMAP SEARCH", hits[0].decode(), "FETCH", "ok" if b"tanti cari saluti" in data[0][1] else "WRONG")
            i.logout()
            """);
        _lab.Show("lab: user1sld reads mail on dns-sld from server1:\n" + client.Stdout + client.Stderr);
        Assert.True(client.ExitCode == 0, client.Stdout + client.Stderr + _lab.Log("dns-sld"));
        Assert.Matches(@"POP3 \d+ messages; RETR \d+ ok", client.Stdout);
        Assert.Matches(@"\+OK \d+ [0-9a-f]{16}", client.Stdout);
        Assert.Matches(@"IMAP SEARCH \d+ FETCH ok", client.Stdout);
        Assert.Contains("Login: user=<user1sld>, method=PLAIN, rip=198.18.0.11, lip=198.18.0.2", _lab.Log("dns-sld"), StringComparison.Ordinal);
    }

    [LabFact]
    public void Backup_MX_keeps_stud_mail_while_the_primary_is_down_and_delivers_it_after_postqueue_s()
    {
        // relay_recipient_maps: the backup MX refuses unknown stud users instead of bouncing later.
        var refused = _lab.Exec("server2", null, "swaks", "--server", "198.18.0.12", "--from", "root@dip.cgri.edu",
            "--to", "nosuch@stud.cgri.edu", "--quit-after", "RCPT");
        Assert.Contains("550 5.1.1 <nosuch@stud.cgri.edu>: Recipient address rejected: User unknown in relay recipient table", refused.Stdout, StringComparison.Ordinal);

        var id = Unique("backup") + "@mail.dip.cgri.edu";
        Assert.Equal(0, _lab.Lab("stop", "server1").ExitCode);
        try
        {
            _lab.Sendmail("server2", "root", "user1stud@stud.cgri.edu",
                $"To: user1stud@stud.cgri.edu\nSubject: while server1 is down\nMessage-Id: <{id}>\n\nciao\n");
            // server2: MX 10 refuses, MX 20 (dns-stud) takes it; dns-stud finds itself as MX 20 and
            // may only try the primary, which is down: the mail waits in its deferred queue.
            Assert.True(_lab.WaitForLog("server2", @"to=<user1stud@stud\.cgri\.edu>, relay=dns-stud\.stud\.cgri\.edu\[198\.18\.0\.12\]:25, .*status=sent") is not null, _lab.AllLogs());
            Assert.True(_lab.WaitForLog("dns-stud", @"to=<user1stud@stud\.cgri\.edu>, relay=none, .*status=deferred \(connect to mail\.stud\.cgri\.edu\[198\.18\.0\.11\]:25: Connection refused\)") is not null, _lab.AllLogs());
            var mailq = _lab.Exec("dns-stud", null, "mailq");
            _lab.Show("lab: mailq on dns-stud while server1 is down:\n" + mailq.Stdout);
            Assert.Contains("user1stud@stud.cgri.edu", mailq.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal(0, _lab.Lab("start", "server1").ExitCode);
        }
        Assert.DoesNotContain(_lab.Mail("server1", User1Stud), m => m.Contains(id, StringComparison.Ordinal));

        var flush = _lab.Exec("dns-stud", null, "postqueue", "-s", "stud.cgri.edu");
        Assert.True(flush.ExitCode == 0, flush.Stderr);
        var mail = _lab.WaitForMail("server1", User1Stud, id);
        _lab.Show("lab: a message to stud.cgri.edu through the backup MX, flushed by `postqueue -s stud.cgri.edu`:\n"
            + _lab.Trace(id, ["server2", "dns-stud", "server1"]));
        Assert.True(mail is not null, _lab.AllLogs());
        Assert.Contains("by dns-stud.stud.cgri.edu", mail, StringComparison.Ordinal);
    }

    [LabFact]
    public void User2dip_autoreply_answers_a_sender_once_and_never_a_list_or_MAILER_DAEMON()
    {
        var subject = Unique("ciao user2dip");
        _lab.Sendmail("server1", "user1stud@stud.cgri.edu", "user2dip@dip.cgri.edu",
            $"To: user2dip@dip.cgri.edu\nSubject: {subject} 1\n\nciao\n");
        _lab.Sendmail("server1", "user1stud@stud.cgri.edu", "user2dip@dip.cgri.edu",
            $"To: user2dip@dip.cgri.edu\nSubject: {subject} 2\n\nancora ciao\n");
        _lab.Sendmail("server1", "root@stud.cgri.edu", "user2dip@dip.cgri.edu",
            $"To: user2dip@dip.cgri.edu\nPrecedence: list\nSubject: {subject} list\n\nnewsletter\n");
        _lab.Sendmail("server1", "", "user2dip@dip.cgri.edu",
            $"To: user2dip@dip.cgri.edu\nSubject: {subject} bounce\n\nfrom MAILER-DAEMON\n");

        // user2dip keeps every message (virtual alias to itself plus the autoreply address) ...
        foreach (var which in new[] { " 1", " 2", " list", " bounce" })
            Assert.True(_lab.WaitForMail("server2", User2Dip, subject + which) is not null, _lab.Log("server2"));
        // ... and the autoreply pipe service got every copy.
        if (_lab.WaitForLog("server2", "relay=autoreply, .*cannot run as user nobody without root privileges", 2000) is not null)
            Assert.Fail("pipe(8) cannot switch to user=nobody under a root-started master: this needs pipe through the privsep helper (branch privsep)\n" + _lab.Log("server2"));
        var pipeDone = _lab.WaitForLog("server2", @"(?s)(to=<user2dip@autoreply\.dip\.cgri\.edu>.*?status=sent.*?){4}");
        Assert.True(pipeDone is not null, _lab.Log("server2"));

        var reply = _lab.WaitForMail("server1", User1Stud, "Subject: Auto: " + subject);
        Thread.Sleep(3000); // room for a wrong second answer to arrive
        var pipeLines = _lab.Log("server2").Split('\n').Where(l => l.Contains("relay=autoreply", StringComparison.Ordinal));
        _lab.Show("lab: user2dip's autoreply, the pipe service's runs on server2:\n  " + string.Join("\n  ", pipeLines)
            + "\nand the one answer:\n" + _lab.Trace(MessageIdOf(reply) ?? "none", ["server2", "server1"]));
        Assert.True(reply is not null, _lab.AllLogs());
        Assert.Contains("Auto-Submitted: auto-replied", reply, StringComparison.Ordinal);
        Assert.Contains("Return-Path: <>", reply, StringComparison.Ordinal);
        Assert.Single(_lab.Mail("server1", User1Stud), m => m.Contains("Subject: Auto: " + subject, StringComparison.Ordinal));
        Assert.DoesNotContain(_lab.Mail("server1", RootStud), m => m.Contains(subject, StringComparison.Ordinal));
    }

    [LabFact]
    public void A_bounce_for_an_unknown_user_returns_to_the_sender_across_hosts()
    {
        // exstud@cgri.edu is accepted by dns-sld and forwarded to server1, which has no user9stud:
        // dns-sld's bounce travels back to root@dip.cgri.edu on server2.
        var id = Unique("exstud") + "@mail.dip.cgri.edu";
        _lab.Sendmail("server2", "root", "exstud@cgri.edu",
            $"To: exstud@cgri.edu\nSubject: to a former student\nMessage-Id: <{id}>\n\nciao\n");
        var bounce = _lab.WaitForMail("server2", RootDip, id);
        _lab.Show("lab: a bounce from dns-sld back to server2:\n" + _lab.Trace(id, ["server2", "dns-sld", "server1"])
            + _lab.Trace(MessageIdOf(bounce) ?? "none", ["dns-sld", "server2"]));
        Assert.True(bounce is not null, _lab.AllLogs());
        Assert.Matches(@"(?m)^From: .*MAILER-DAEMON@(mail\.)?cgri\.edu", bounce); // dns-sld's mailer-daemon wrote it
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", bounce, StringComparison.Ordinal);
        Assert.Contains("<user9stud@stud.cgri.edu> (expanded from <exstud@cgri.edu>): host mail.stud.cgri.edu[198.18.0.11] said: 550 5.1.1", Flat(bounce), StringComparison.Ordinal);
        Assert.Contains("Received: from mail.cgri.edu (dns-sld.cgri.edu [198.18.0.2])", bounce, StringComparison.Ordinal);

        // An unknown user refused at RCPT: server2's own bounce quotes dns-sld's answer.
        var id2 = Unique("nosuch") + "@mail.dip.cgri.edu";
        _lab.Sendmail("server2", "root", "nosuch@cgri.edu",
            $"To: nosuch@cgri.edu\nSubject: unknown\nMessage-Id: <{id2}>\n\nciao\n");
        var bounce2 = _lab.WaitForMail("server2", RootDip, id2);
        Assert.True(bounce2 is not null, _lab.AllLogs());
        Assert.Contains("<nosuch@cgri.edu>: host mail.cgri.edu[198.18.0.2] said: 550 5.1.1 <nosuch@cgri.edu>", Flat(bounce2), StringComparison.Ordinal);
    }

    /// <summary>The text with every run of white space (a folded line) as one space.</summary>
    private static string Flat(string? text) => System.Text.RegularExpressions.Regex.Replace(text ?? "", @"\s+", " ");

    private static string? MessageIdOf(string? message)
    {
        if (message is null)
            return null;
        foreach (var line in message.Split('\n'))
        {
            if (line.StartsWith("Message-Id: <", StringComparison.OrdinalIgnoreCase))
                return line.Trim()[13..^1];
            if (line.Trim().Length == 0)
                break;
        }
        return null;
    }
}
