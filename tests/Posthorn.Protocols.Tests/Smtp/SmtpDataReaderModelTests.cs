using System.Buffers;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Protocols.Tests.Smtp;

/// <summary>
/// Differential test: the streaming state machine against a plain line-by-line model of
/// Postfix's DATA loop (smtpd_proxy-less smtpd_data), on random inputs made of the bytes that
/// matter, fed in random splits.
/// </summary>
public class SmtpDataReaderModelTests
{
    /// <summary>The model: returns the content and the bytes used up to the end of data.</summary>
    private static (byte[] Content, int Used) Model(byte[] input, bool normalize)
    {
        var output = new List<byte>();
        bool prevBare = false;
        int pos = 0;
        while (true)
        {
            int lf = Array.IndexOf(input, (byte)'\n', pos);
            if (lf < 0)
                throw new InvalidOperationException("test input must end the data");
            bool crlf = lf > pos && input[lf - 1] == (byte)'\r';
            var content = input[pos..(crlf ? lf - 1 : lf)];
            pos = lf + 1;
            bool bare = !crlf;
            if (content.Length > 0 && content[0] == (byte)'.')
            {
                if (content.Length == 1)
                {
                    if (!bare && !prevBare)
                        return (output.ToArray(), pos);
                    prevBare = bare;
                    continue; // dropped, as Postfix does
                }
                content = content[1..];
            }
            output.AddRange(content);
            if (bare && !normalize)
                output.Add((byte)'\n');
            else
                output.AddRange("\r\n"u8.ToArray());
            prevBare = bare;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void State_machine_matches_the_line_model_on_random_input(bool normalize)
    {
        var random = new Random(normalize ? 3030 : 5321);
        ReadOnlySpan<byte> alphabet = ".\r\na"u8;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            var body = new byte[random.Next(0, 24)];
            for (int i = 0; i < body.Length; i++)
                body[i] = alphabet[random.Next(alphabet.Length)];
            byte[] input = [.. body, .. "\r\n.\r\nNEXT"u8.ToArray()];
            var (expected, used) = Model(input, normalize);

            var reader = new SmtpDataReader(0, normalize);
            var sink = new CollectingSink();
            int offset = 0;
            while (!reader.IsDone)
            {
                int n = Math.Min(random.Next(1, 6), input.Length - offset);
                offset += reader.Read(input.AsSpan(offset, n), sink);
            }
            var shown = System.Text.Encoding.ASCII.GetString(input).Replace("\r", "\\r").Replace("\n", "\\n");
            Assert.True(expected.AsSpan().SequenceEqual(sink.Bytes), $"input {shown}");
            Assert.True(used == offset, $"input {shown}: used {offset}, model {used}");
            Assert.Equal(expected.Length, reader.Size);
        }
    }
}
