using System.Text.RegularExpressions;

namespace Posthorn.EndToEnd.Tests.Pop3d;

/// <summary>UIDL stays the same across sessions and a master restart.</summary>
public sealed class Pop3dRestartTests
{
    [Fact]
    public void UIDL_is_stable_across_sessions_and_a_master_restart()
    {
        using var s = new AccessSystem();
        Assert.Equal(0, s.DeliverLmtp("Subject: a\r\n\r\na\r\n", "frank@example.com").ExitCode);
        Assert.Equal(0, s.DeliverLmtp("Subject: b\r\n\r\nb\r\n", "frank@example.com").ExitCode);
        const string script = "p = poplib.POP3('127.0.0.1', PORT); p.user('frank@example.com'); p.pass_('pippo'); print(p.uidl()[1]); p.quit()\n";
        var first = s.Python(script).Stdout;
        var second = s.Python(script).Stdout;
        s.Stop();
        s.Start();
        var third = s.Python(script).Stdout;
        Assert.Matches(new Regex(@"\[b'1 00000001[0-9a-f]{8}', b'2 00000002[0-9a-f]{8}'\]"), first);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
    }
}
