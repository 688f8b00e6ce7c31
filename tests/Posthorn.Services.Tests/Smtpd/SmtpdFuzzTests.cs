using System.Text;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>
/// A bounded fuzz run over in-memory sessions: fixed seed, a few thousand random and mutated
/// command lines (and bytes) in sessions of up to 40 lines; every session must end by itself
/// with a disconnect line, and nothing may throw out of the session.
/// </summary>
public sealed class SmtpdFuzzTests
{
    private static readonly string[] Seeds =
    [
        "EHLO client.example.org", "HELO x", "MAIL FROM:<a@example.org>", "MAIL FROM:<> SIZE=100 BODY=8BITMIME",
        "MAIL FROM:<a@example.org> RET=HDRS ENVID=x+2By SMTPUTF8", "RCPT TO:<bob@example.com>",
        "RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com", "DATA", "BDAT 10", "BDAT 0 LAST",
        "RSET", "NOOP", "QUIT", "VRFY bob", "ETRN example.com", "HELP", "STARTTLS", "AUTH PLAIN", "Subject: x", ".", "",
    ];

    [Fact]
    public async Task Random_and_mutated_sessions_never_crash_the_service()
    {
        using var f = new SmtpdFixture("smtpd_hard_error_limit = 50\nsmtpd_timeout = 2s\nmessage_size_limit = 20000");
        var rng = new Random(20261125);
        int lines = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int sessions = 0;
        while (lines < 3000 && DateTime.UtcNow < deadline)
        {
            sessions++;
            await using var c = f.Connect(rng.Next(3) == 0 ? "192.0.2.55" : "127.0.0.1");
            var sb = new StringBuilder();
            int n = rng.Next(1, 40);
            for (int i = 0; i < n; i++, lines++)
            {
                var line = Mutate(Seeds[rng.Next(Seeds.Length)], rng);
                sb.Append(line).Append(rng.Next(10) == 0 ? "\n" : "\r\n");
            }
            var bytes = Encoding.Latin1.GetBytes(sb.ToString());
            if (rng.Next(5) == 0)
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            await c.SendBytesAsync(bytes);
            await c.CloseAsync();
            while (await c.ReadReplyAsync() is not null)
            {
            }
            await c.Run.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.True(c.Run.IsCompletedSuccessfully);
        }
        var log = f.Log;
        Assert.Equal(sessions, CountOf(log, "disconnect from "));
        Assert.DoesNotContain("session error", log);
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string Mutate(string line, Random rng)
    {
        var chars = line.ToCharArray().ToList();
        int edits = rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(5))
            {
                case 0 when chars.Count > 0:
                    chars.RemoveAt(rng.Next(chars.Count));
                    break;
                case 1:
                    chars.Insert(rng.Next(chars.Count + 1), (char)rng.Next(256));
                    break;
                case 2 when chars.Count > 0:
                    chars[rng.Next(chars.Count)] = "<>:@=. \t\r"[rng.Next(9)];
                    break;
                case 3:
                    chars.AddRange(new string('A', rng.Next(3000)));
                    break;
                default:
                    break;
            }
        }
        return new string(chars.ToArray());
    }
}
