using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Posthorn.EndToEnd.Tests.Imapd;

/// <summary>
/// A bounded fuzz over real connections (fixed seed, at most 80 connections or 25 seconds):
/// valid commands mutated, broken and oversized literals, garbage bytes, overlong lines. The
/// server must keep answering, never log a failed session, and no session may see another
/// user's mail.
/// </summary>
[Collection("imapd")]
public sealed class ImapdFuzzTests(ImapdSystem imap) : IClassFixture<ImapdSystem>
{
    private const string AliceSecret = "ALICE-SECRET-7731";
    private const string BobSecret = "BOB-PRIVATE-4410";

    private static readonly string[] Corpus =
    [
        "CAPABILITY", "NOOP", "SELECT INBOX", "EXAMINE INBOX", "FETCH 1:* (BODY[])", "UID FETCH 1:* (FLAGS BODY.PEEK[HEADER] BODYSTRUCTURE ENVELOPE)",
        "FETCH 1 (BODY[1.2.3]<0.10>)", "SEARCH OR FROM a SUBJECT b", "SEARCH TEXT secret", "STORE 1 +FLAGS (\\Seen)", "LIST \"\" *",
        "LSUB \"\" %", "STATUS INBOX (MESSAGES UIDNEXT)", "CREATE Fuzz", "DELETE Fuzz", "RENAME Fuzz Fuzz2", "SELECT \"../alice\"",
        "SELECT ../bob", "COPY 1 Trash", "MOVE 1:* Junk", "EXPUNGE", "UID EXPUNGE 1:*", "CLOSE", "UNSELECT", "NAMESPACE", "ID NIL",
        "ENABLE CONDSTORE", "APPEND INBOX {12}", "APPEND INBOX (\\Seen) {5+}", "LOGIN alice@example.com secret", "AUTHENTICATE PLAIN",
        "IDLE", "FETCH 4294967295 (FLAGS)", "FETCH * (RFC822.HEADER)", "SEARCH CHARSET UTF-8 SUBJECT {3}", "STORE 1:* FLAGS ()",
    ];

    private static byte[] Mutate(Random rng, string command, string tag)
    {
        var text = tag + " " + command;
        switch (rng.Next(10))
        {
            case 0:
                return Encoding.UTF8.GetBytes(text[..rng.Next(text.Length)] + "\r\n");
            case 1:
            {
                var bytes = Encoding.UTF8.GetBytes(text + "\r\n");
                for (int i = 0; i < 3; i++)
                    bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                return bytes;
            }
            case 2:
                return Encoding.UTF8.GetBytes($"{tag} APPEND INBOX {{{rng.Next(1, 50)}+}}\r\nshort\r\n");
            case 3:
                return Encoding.UTF8.GetBytes($"{tag} APPEND INBOX {{99999999999}}\r\n");
            case 4:
            {
                var junk = new byte[rng.Next(1, 300)];
                rng.NextBytes(junk);
                return junk;
            }
            case 5:
                return Encoding.UTF8.GetBytes(tag + " NOOP " + new string('x', 70_000) + "\r\n");
            case 6:
                return Encoding.UTF8.GetBytes($"{tag} SEARCH {string.Concat(Enumerable.Repeat("(", 40))}ALL{string.Concat(Enumerable.Repeat(")", 40))}\r\n");
            default:
                return Encoding.UTF8.GetBytes(text + "\r\n");
        }
    }

    [Fact]
    public void Server_survives_mutated_input_and_never_shows_another_users_mail()
    {
        imap.Deliver("alice", $"From: a@example.org\nSubject: {AliceSecret}\n\n{AliceSecret} body\n");
        imap.Deliver("bob", $"From: b@example.org\nSubject: {BobSecret}\n\n{BobSecret} body\n");

        var rng = new Random(20261125);
        var sw = Stopwatch.StartNew();
        int connections = 0;
        for (; connections < 80 && sw.Elapsed < TimeSpan.FromSeconds(25); connections++)
        {
            var user = rng.Next(2) == 0 ? "alice" : "bob";
            var forbidden = user == "alice" ? BobSecret : AliceSecret;
            using var client = new TcpClient();
            client.Connect("127.0.0.1", imap.ImapPort);
            var stream = client.GetStream();
            var seen = new StringBuilder(Read(stream, 2000));
            Assert.StartsWith("* OK", seen.ToString(), StringComparison.Ordinal);
            Send(stream, Encoding.UTF8.GetBytes($"L LOGIN {user}@example.com secret\r\nS SELECT INBOX\r\n"));
            seen.Append(Read(stream, 1000));
            for (int i = 0, n = rng.Next(3, 12); i < n; i++)
            {
                var command = Corpus[rng.Next(Corpus.Length)].Replace("alice@example.com", user + "@example.com", StringComparison.Ordinal);
                if (!Send(stream, Mutate(rng, command, "F" + i)))
                    break;
                seen.Append(Read(stream, 60));
            }
            Send(stream, "Z FETCH 1:* (BODY.PEEK[])\r\n"u8.ToArray());
            seen.Append(Read(stream, 300));
            Assert.DoesNotContain(forbidden, seen.ToString(), StringComparison.Ordinal);
        }

        Assert.True(connections >= 15, $"only {connections} connections");
        var output = imap.PythonOk($$"""
            for user, other in (('alice', '{{BobSecret}}'), ('bob', '{{AliceSecret}}')):
                m = login(user)
                typ, folders = m.list('""', '*')
                assert typ == 'OK', folders
                for f in folders:
                    name = f.decode().rsplit(' ', 1)[1]
                    if b'Noselect' in f:
                        continue
                    typ, data = m.select(name)
                    assert typ == 'OK', (name, data)
                    if data != [b'0']:
                        typ, data = m.fetch('1:*', '(BODY.PEEK[])')
                        text = b''.join(d[1] if isinstance(d, tuple) else d for d in data).decode('utf-8', 'replace')
                        assert other not in text, text
                m.logout()
            print('survived')
            """);
        foreach (var file in Directory.EnumerateFiles(imap.VmailDir, "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.False(text.Contains(AliceSecret, StringComparison.Ordinal) && !file.Contains("/alice/", StringComparison.Ordinal), file);
            Assert.False(text.Contains(BobSecret, StringComparison.Ordinal) && !file.Contains("/bob/", StringComparison.Ordinal), file);
        }
        Assert.Contains("survived", output, StringComparison.Ordinal);
        Assert.DoesNotContain("session failed", imap.System.Log, StringComparison.Ordinal);
    }

    private static bool Send(NetworkStream stream, byte[] data)
    {
        try
        {
            stream.Write(data);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits up to <paramref name="waitMs"/> for a reply, then reads until the server has been quiet for 30 ms.</summary>
    private static string Read(NetworkStream stream, int waitMs)
    {
        var sb = new StringBuilder();
        var buffer = new byte[65536];
        try
        {
            var wait = waitMs;
            while (stream.Socket.Poll(wait * 1000, SelectMode.SelectRead))
            {
                var n = stream.Read(buffer);
                if (n == 0)
                    break;
                sb.Append(Encoding.UTF8.GetString(buffer, 0, n));
                wait = 30;
            }
        }
        catch (IOException)
        {
        }
        return sb.ToString();
    }
}
