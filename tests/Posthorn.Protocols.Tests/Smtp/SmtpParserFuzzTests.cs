using System.Buffers;
using System.Diagnostics;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

/// <summary>A bounded fuzz run: random and mutated commands, fixed seed, well under a second.</summary>
public class SmtpParserFuzzTests
{
    private static readonly string[] Seeds =
    [
        "EHLO client.example.com", "MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME RET=FULL ENVID=x+2By",
        "RCPT TO:<\"q u\"@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40b", "DATA", "BDAT 100 LAST",
        "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=", "MAIL FROM:<@a,@b:u@c> SMTPUTF8 AUTH=<>", "VRFY postmaster",
        "ETRN example.com", "STARTTLS", "RSET", "NOOP", "QUIT", "HELP", "LHLO x",
    ];

    [Fact]
    public void Parsers_never_throw_on_random_and_mutated_input()
    {
        var random = new Random(5321);
        var parser = new SmtpCommandParser();
        var lmtp = new SmtpCommandParser(lmtp: true, requireValidUtf8: false);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 5000; i++)
        {
            byte[] input = i % 3 == 0 ? RandomBytes(random) : Mutate(random, System.Text.Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]));
            var a = parser.Parse(input);
            var b = lmtp.Parse(input);
            Assert.True(a.IsError ^ a.Command is not null);
            Assert.True(b.IsError ^ b.Command is not null);

            var lines = new SmtpLineReader(64);
            var seq = new ReadOnlySequence<byte>(input);
            while (lines.TryReadLine(seq, out var line, out var consumed, out _))
            {
                parser.Parse(line);
                seq = seq.Slice(consumed);
            }

            var data = new SmtpDataReader(32);
            data.Read(new ReadOnlySequence<byte>(input), new CollectingSink(), out _);
            Assert.True(data.Size <= input.Length);

            var replies = new SmtpReplyParser(64);
            replies.TryRead(new ReadOnlySequence<byte>(input), out _, out _, out _);
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 80)];
        random.NextBytes(bytes);
        // Bias towards the bytes that matter to SMTP.
        ReadOnlySpan<byte> special = "<>\":@\\ =+.;,\r\n"u8;
        for (int i = 0; i < bytes.Length; i++)
            if (random.Next(3) == 0)
                bytes[i] = special[random.Next(special.Length)];
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        int edits = random.Next(1, 5);
        for (int e = 0; e < edits; e++)
        {
            int pos = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0 when bytes.Count > 0: bytes.RemoveAt(pos); break;
                case 1: bytes.Insert(pos, (byte)random.Next(256)); break;
                case 2 when bytes.Count > 0: bytes[pos] = (byte)"<>\" :=+;,\r\n@"[random.Next(12)]; break;
                default: bytes.InsertRange(pos, bytes.GetRange(0, Math.Min(bytes.Count, random.Next(10)))); break;
            }
        }
        return bytes.ToArray();
    }
}
