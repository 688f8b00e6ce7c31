using System.Diagnostics;
using System.Globalization;
using Posthorn.EndToEnd.Tests.Pop3d;
using Posthorn.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Posthorn.EndToEnd.Tests.Lmtpd;

/// <summary>
/// The lecture's EXTREME exercise with the real thing: Debian's Postfix 3.7 (an instance of its
/// own on a temporary config dir, loopback only) accepts mail over SMTP for a virtual domain and
/// hands it to Posthorn's lmtpd with <c>virtual_transport = lmtp:inet:127.0.0.1:PORT</c>, one
/// address through <c>lmtp:unix:</c> Posthorn's socket (transport_maps); the mail lands in the
/// Posthorn store and is read over POP3. Needs root and /usr/sbin/postfix; otherwise it says so and passes.
/// </summary>
public sealed class PostfixToLmtpdTests : IClassFixture<AccessSystem>, IDisposable
{
    private readonly AccessSystem _s;
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("postfix-ref-lmtp").FullName;
    private bool _started;

    public PostfixToLmtpdTests(AccessSystem system, ITestOutputHelper output)
    {
        _s = system;
        _output = output;
    }

    private static string? SkipReason =>
        !File.Exists("/usr/sbin/postfix") ? "Debian's Postfix is not installed (/usr/sbin/postfix missing)"
        : !MailSystem.IsRoot ? "starting Debian's Postfix needs root"
        : null;

    private static CommandResult Postfix(string dir, string action) => MailSystem.Run("/usr/sbin/postfix", ["-c", Path.Combine(dir, "etc"), action]);

    [Fact]
    public void Debian_Postfix_hands_mail_to_lmtpd_over_TCP_and_the_unix_socket_and_POP3_reads_it()
    {
        if (SkipReason is { } reason)
        {
            _output.WriteLine("SKIPPED: " + reason);
            return;
        }
        int port = MailSystem.FreePort();
        var etc = Path.Combine(_dir, "etc");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(Path.Combine(_dir, "data"));
        Directory.CreateDirectory(Path.Combine(_dir, "spool"));
        MailSystem.Run("chown", ["postfix:postfix", Path.Combine(_dir, "data")]);
        MailSystem.Run("chmod", ["0755", _dir]);
        var log = Path.Combine(_dir, "postfix.log");
        File.WriteAllText(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {_dir}/spool
            data_directory = {_dir}/data
            command_directory = /usr/sbin
            daemon_directory = /usr/lib/postfix/sbin
            meta_directory = /etc/postfix
            shlib_directory = /usr/lib/postfix
            mail_owner = postfix
            setgid_group = postdrop
            syslog_name = postfix-access-test
            maillog_file_prefixes = {_dir}
            maillog_file = {log}
            myhostname = relay.example.test
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            local_transport = error:no local delivery
            alias_maps =
            alias_database =
            default_transport = error:no outbound mail
            smtp_dns_support_level = disabled
            smtpd_peername_lookup = no
            virtual_mailbox_domains = example.com
            virtual_mailbox_maps = texthash:{etc}/vmailbox
            virtual_transport = lmtp:inet:127.0.0.1:{_s.LmtpPort.ToString(CultureInfo.InvariantCulture)}
            transport_maps = texthash:{etc}/transport
            """ + "\n");
        File.WriteAllText(Path.Combine(etc, "vmailbox"), "alice@example.com ok\nbob@example.com ok\n");
        File.WriteAllText(Path.Combine(etc, "transport"), $"bob@example.com lmtp:unix:{_s.LmtpSocket}\n");
        File.WriteAllText(Path.Combine(etc, "master.cf"), $"""
            127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} inet n - n - - smtpd
            pickup    unix  n       -       n       60      1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            verify    unix  -       -       n       -       1       verify
            proxymap  unix  -       -       n       -       -       proxymap
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            discard   unix  -       -       n       -       -       discard
            lmtp      unix  -       -       n       -       -       lmtp
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            postlog   unix-dgram n  -       n       -       1       postlogd
            """ + "\n");
        var start = Postfix(_dir, "start");
        _started = true;
        Assert.True(start.ExitCode == 0, start.Stdout + start.Stderr + Read(log));

        foreach (var (to, subject) in (ValueTuple<string, string>[])[("alice@example.com", "via lmtp inet"), ("bob@example.com", "via lmtp unix")])
        {
            CommandResult swaks = new(1, "", "");
            for (int i = 0; i < 100 && swaks.ExitCode != 0; i++)
            {
                swaks = MailSystem.Run("swaks", ["--server", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--from", "sender@example.org",
                    "--to", to, "--helo", "client.example.org", "--header", "Subject: " + subject, "--body", "through Debian's Postfix"]);
                if (swaks.ExitCode != 0)
                    Thread.Sleep(100); // smtpd not listening yet
            }
            Assert.True(swaks.ExitCode == 0, swaks.Stdout + swaks.Stderr + Read(log));
        }
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30) && (_s.MaildirFiles("alice").Length == 0 || _s.MaildirFiles("bob").Length == 0))
            Thread.Sleep(100);
        Assert.True(_s.MaildirFiles("alice").Length == 1 && _s.MaildirFiles("bob").Length == 1, Read(log) + _s.System.Log);
        Assert.Matches(@"postfix-access-test/lmtp\[\d+\]: \w+: to=<alice@example\.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 2\.0\.0 <alice@example\.com>", Read(log));
        Assert.Matches(@"to=<bob@example\.com>, relay=.*lmtp.*status=sent \(250 2\.0\.0 <bob@example\.com>", Read(log));

        var pop = _s.Python("""
            for user in ['alice@example.com', 'bob@example.com']:
                p = poplib.POP3('127.0.0.1', PORT); p.user(user); p.pass_('pippo')
                print(user, [l.decode() for l in p.retr(1)[1] if l.startswith(b'Subject:')]); p.dele(1); p.quit()
            """);
        Assert.True(pop.ExitCode == 0, pop.Stdout + pop.Stderr);
        Assert.Contains("alice@example.com ['Subject: via lmtp inet']", pop.Stdout, StringComparison.Ordinal);
        Assert.Contains("bob@example.com ['Subject: via lmtp unix']", pop.Stdout, StringComparison.Ordinal);
        Assert.Empty(_s.MaildirFiles("alice"));
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    public void Dispose()
    {
        if (_started)
            Postfix(_dir, "stop");
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
