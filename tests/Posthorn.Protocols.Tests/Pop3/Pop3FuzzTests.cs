using System.Buffers;
using System.Diagnostics;
using System.Text;
using Posthorn.Protocols.Pop3;

namespace Posthorn.Protocols.Tests.Pop3;

public class Pop3FuzzTests
{
    private static readonly string[] Seeds =
    [
        "USER user1sld", "PASS pippo", "STAT", "LIST", "LIST 1", "UIDL 2", "RETR 1", "TOP 1 2", "DELE 1", "RSET", "NOOP",
        "CAPA", "AUTH", "AUTH PLAIN", "AUTH PLAIN AHVzZXIxc2xkAHBpcHBv", "AUTH LOGIN", "APOP a b", "STLS", "QUIT", "*", "=",
    ];

    [Fact]
    public async Task Random_and_mutated_commands_never_throw()
    {
        var random = new Random(1939);
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < 300; round++)
        {
            var drop = new MemoryMaildrop("Subject: a\r\n\r\nb\r\n", ".\n..\n", "");
            var session = new Pop3Session(new FakeBackend(drop), new Pop3SessionOptions { SaslMechanisms = ["PLAIN", "LOGIN"], ApopTimestamp = "<1@x>", MaxBadCommands = 1000 });
            var input = new StringBuilder();
            input.Append("USER user1sld\r\nPASS pippo\r\n");
            for (var i = 0; i < 12; i++)
            {
                var line = Seeds[random.Next(Seeds.Length)].ToCharArray();
                for (var m = random.Next(4); m > 0 && line.Length > 0; m--)
                {
                    line[random.Next(line.Length)] = (char)random.Next(0, 256);
                }

                input.Append(line).Append(random.Next(3) == 0 ? "\n" : "\r\n");
            }

            await Pop3Driver.RunAsync(session, input.ToString(), chunk: random.Next(1, 20), maxLine: 40);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Random_bytes_never_break_the_line_reader()
    {
        var random = new Random(2449);
        var reader = new Pop3LineReader(64);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            var seq = new ReadOnlySequence<byte>(bytes);
            while (true)
            {
                var status = reader.TryRead(seq, out _, out var consumed, out _);
                seq = seq.Slice(consumed);
                if (status == Pop3LineStatus.NeedMoreData)
                {
                    break;
                }
            }

            _ = Pop3Command.Parse(bytes);
        }
    }
}
