using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>
/// The whole path into an idling client (issue 8): MailKit's SmtpClient → smtpd → qmgr →
/// virtual → Maildir, and MailKit's ImapClient in IDLE told of the new message within a
/// second of the file's arrival.
/// </summary>
[Collection("imapd")]
public sealed class ImapdSmtpIdleTests
{
    [Fact]
    public async Task Idle_is_woken_by_an_smtp_delivery_within_a_second()
    {
        int smtp = MailSystem.FreePort(), imapPort = MailSystem.FreePort();
        using var ms = new MailSystem($"""
            {smtp} inet n - n - - smtpd
            {imapPort} inet n - n - - imapd
            qmgr unix n - n 300 1 qmgr
            virtual unix - n n - - virtual
            """ + "\n");
        var owner = MailSystem.IsRoot ? "postfix" : Environment.UserName;
        var uid = MailSystem.Run("id", ["-u", owner]).Stdout.Trim();
        var vmail = Path.Combine(ms.Dir, "vmail");
        var maildir = Path.Combine(vmail, "virt.test", "alice");
        Directory.CreateDirectory(Path.Combine(maildir, "new"));
        Directory.CreateDirectory(Path.Combine(maildir, "cur"));
        Directory.CreateDirectory(Path.Combine(maildir, "tmp"));
        File.WriteAllText(Path.Combine(ms.Dir, "vmailbox"), "alice@virt.test virt.test/alice/\n");
        File.WriteAllText(Path.Combine(ms.Dir, "users"), "alice@virt.test:{PLAIN}secret::::::\n");
        File.AppendAllText(Path.Combine(ms.Dir, "main.cf"), $"""
            myhostname = mail.example.test
            mydestination = localhost
            mynetworks = 127.0.0.0/8
            compatibility_level = 3.6
            virtual_mailbox_domains = virt.test
            virtual_mailbox_base = {vmail}
            virtual_mailbox_maps = texthash:{ms.Dir}/vmailbox
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{uid}
            virtual_minimum_uid = 1
            posthorn_user_database = {ms.Dir}/users
            """ + "\n");
        if (MailSystem.IsRoot)
            MailSystem.Run("chown", ["-R", owner, vmail]);
        var start = ms.Postfix("start");
        Assert.True(start.ExitCode == 0, start.Stderr + ms.Log);

        using var client = new ImapClient { Timeout = 20_000 };
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                client.Connect("127.0.0.1", imapPort, SecureSocketOptions.None);
                break;
            }
            catch (System.Net.Sockets.SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(15))
            {
                Thread.Sleep(100);
            }
        }
        client.Authenticate("alice@virt.test", "secret");
        client.Inbox.Open(FolderAccess.ReadOnly);
        Assert.Equal(0, client.Inbox.Count);

        var woken = new ManualResetEventSlim();
        var clock = Stopwatch.StartNew();
        long wokenAt = 0, arrivedAt = 0;
        client.Inbox.CountChanged += (_, _) =>
        {
            wokenAt = clock.ElapsedMilliseconds;
            woken.Set();
        };
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var idleDone = new CancellationTokenSource();
        var idle = client.IdleAsync(idleDone.Token, done.Token);

        // Watch the Maildir for the file (new/, or cur/ once imapd moved it) while SMTP delivers.
        var watcher = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                if (Directory.EnumerateFiles(Path.Combine(maildir, "new")).Any() || Directory.EnumerateFiles(Path.Combine(maildir, "cur")).Any())
                {
                    arrivedAt = clock.ElapsedMilliseconds;
                    return;
                }
                Thread.Sleep(5);
            }
        });
        using (var smtpClient = new SmtpClient())
        {
            smtpClient.Connect("127.0.0.1", smtp, SecureSocketOptions.None);
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse("bob@example.org"));
            message.To.Add(MailboxAddress.Parse("alice@virt.test"));
            message.Subject = "wake up";
            message.Body = new TextPart("plain") { Text = "ding" };
            smtpClient.Send(message);
            smtpClient.Disconnect(true);
        }

        Assert.True(woken.Wait(TimeSpan.FromSeconds(25)), "IDLE was not woken:\n" + ms.Log);
        await watcher.WaitAsync(TimeSpan.FromSeconds(5));
        await idleDone.CancelAsync();
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(arrivedAt > 0, "the message never reached the Maildir");
        Assert.True(wokenAt - arrivedAt < 1000, $"delivered at {arrivedAt} ms, IDLE woken at {wokenAt} ms");
        Assert.Equal(1, client.Inbox.Count);
        Assert.Equal("wake up", (await client.Inbox.GetMessageAsync(0)).Subject);
    }
}
