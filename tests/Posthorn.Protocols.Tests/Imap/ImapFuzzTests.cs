using System.Diagnostics;
using System.Text;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

public class ImapFuzzTests
{
    private static readonly byte[] Specials = "(){}[]\"\\*%~+ 0\r\n"u8.ToArray();

    private static readonly string[] Seeds =
    [
        "a1 LOGIN user \"pass word\"", "a2 SELECT INBOX (CONDSTORE)", "a3 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)",
        "a4 UID SEARCH OR (SEEN FROM \"bob\") NOT SINCE 1-Feb-1994 UID 1:5,7", "a5 STORE 2:4 +FLAGS.SILENT (\\Deleted $Junk)",
        "a6 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {5+}\r\nhello", "a7 LIST (SUBSCRIBED) \"\" (\"*\") RETURN (CHILDREN SPECIAL-USE)",
        "a8 ID (\"name\" \"x\")", "a9 UID MOVE 1:* Trash", "b1 AUTHENTICATE PLAIN AHVAcA==", "b2 STATUS INBOX (MESSAGES UIDNEXT)",
        "b3 FETCH 1 (BODY[1.2.MIME] BINARY.PEEK[1]<0.10> BODYSTRUCTURE)", "b4 ENABLE UTF8=ACCEPT", "b5 RENAME a b", "b6 UID EXPUNGE 1:3",
        "b7 LOGIN {3+}\r\nabc {0+}\r\n", "b8 SEARCH CHARSET UTF-8 TEXT ~{2+}\r\nxy",
    ];

    [Fact]
    public void Random_and_mutated_commands_never_throw()
    {
        var random = new Random(3501);
        var watch = Stopwatch.StartNew();
        var limits = new ImapLimits { MaxLineLength = 200, MaxLiteralSize = 64, MaxListDepth = 8 };
        var commands = 0;
        for (var round = 0; round < 400; round++)
        {
            var input = new List<byte>();
            for (var i = 0; i < 10; i++)
            {
                var line = Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)] + (random.Next(3) == 0 ? "\n" : "\r\n"));
                for (var m = random.Next(5); m > 0; m--)
                {
                    var at = random.Next(line.Length);
                    switch (random.Next(4))
                    {
                        case 0:
                            line[at] = (byte)random.Next(256);
                            break;
                        case 1:
                            line[at] = Specials[random.Next(Specials.Length)];
                            break;
                        case 2:
                            line = [.. line[..at], .. line[(at + 1)..]];
                            break;
                        default:
                            line = [.. line[..at], .. "{9999}"u8, .. line[at..]];
                            break;
                    }

                    if (line.Length == 0)
                    {
                        break;
                    }
                }

                input.AddRange(line);
            }

            foreach (var result in ImapReaderDriver.Feed(input.ToArray(), random.Next(1, 40), limits))
            {
                if (result.Command is { } command)
                {
                    commands++;
                    var parsed = ImapCommandParser.Parse(command);
                    if (parsed.Command is SearchCommand search)
                    {
                        _ = search.Key.ToString();
                    }
                }
            }
        }

        Assert.True(commands > 500, $"only {commands} commands parsed");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Random_bytes_never_break_the_reader_or_the_mailbox_decoder()
    {
        var random = new Random(9051);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(1, 120)];
            random.NextBytes(bytes);
            _ = ImapReaderDriver.Feed(bytes, random.Next(1, 30), new ImapLimits { MaxLineLength = 64, MaxLiteralSize = 32 });
            var text = Encoding.Latin1.GetString(bytes);
            _ = ImapMailboxName.TryDecodeModifiedUtf7(text, out _);
            _ = ImapMailboxName.Validate(text);
            _ = ImapSequenceSet.TryParse(text, out _);
            _ = ImapDate.TryParseDateTime(text, out _);
        }
    }

    [Fact]
    public void Random_messages_never_break_the_structure_builders()
    {
        var random = new Random(2045);
        var pieces = new[]
        {
            "Content-Type: multipart/mixed; boundary=b\r\n", "--b\r\n", "--b--\r\n", "\r\n", "Content-Type: message/rfc822\r\n",
            "Subject: x\r\n", "From: a@b, \"x\" <c@d>, g: e@f;\r\n", "text\r\n", "Content-Transfer-Encoding: base64\r\n", "Content-Disposition: inline\r\n",
        };
        for (var i = 0; i < 300; i++)
        {
            var sb = new StringBuilder();
            for (var j = random.Next(1, 30); j > 0; j--)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }

            var s = ImapMessageStructure.Parse(Encoding.UTF8.GetBytes(sb.ToString()));
            var w = new ImapResponseWriter();
            ImapBodyStructureWriter.Write(w, s, true);
            ImapEnvelopeWriter.Write(w, s.Message);
            _ = s.GetSection(new BodySection([1, 2], SectionText.Mime, []));
            _ = s.GetSection(new BodySection([1], SectionText.HeaderFields, ["Subject"]));
        }
    }
}
