using Posthorn.EndToEnd.Tests.Support;

namespace Posthorn.EndToEnd.Tests.Smtp;

/// <summary>The smtp, relay, lmtp and pipe entries of a real master.cf start under `postfix start` without errors.</summary>
public class DeliveryAgentServiceTests
{
    [Fact]
    public void Master_starts_smtp_lmtp_and_pipe_delivery_agents()
    {
        using var ms = new MailSystem(
            $"{MailSystem.FreePort()} inet n - n - - posthorn-banner\n"
            + "smtp      unix  -       -       n       -       -       smtp\n"
            + "relay     unix  -       -       n       -       -       smtp\n"
            + "  -o syslog_name=postfix/$service_name\n"
            + "lmtp      unix  -       -       n       -       -       lmtp\n"
            + "filter    unix  -       n       n       -       -       pipe\n"
            + "  flags=Rq user=nobody argv=/bin/cat\n",
            extraMainCf: "smtp_tls_security_level = may\n");
        var start = ms.Postfix("start");
        try
        {
            Assert.True(start.ExitCode == 0, start.Stderr);
            Assert.True(ms.WaitForLog("daemon started"), ms.Log);
            Thread.Sleep(500);
            Assert.DoesNotContain("fatal:", ms.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("error:", ms.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("skipped", ms.Log, StringComparison.Ordinal);
            Assert.Equal(0, ms.Postfix("status").ExitCode);
        }
        finally
        {
            ms.Postfix("stop");
        }
    }
}
