using System.Buffers;
using System.Text;
using Posthorn.Protocols.Imap;

namespace Posthorn.Protocols.Tests.Imap;

/// <summary>Feeds bytes to an <see cref="ImapCommandReader"/> in chunks and records every event.</summary>
internal static class ImapReaderDriver
{
    public static List<ImapReadResult> Feed(string input, int chunk = int.MaxValue, ImapLimits? limits = null) =>
        Feed(Encoding.UTF8.GetBytes(input), chunk, limits);

    public static List<ImapReadResult> Feed(byte[] bytes, int chunk = int.MaxValue, ImapLimits? limits = null)
    {
        var reader = new ImapCommandReader(limits);
        var results = new List<ImapReadResult>();
        var pending = Array.Empty<byte>();
        for (var at = 0; at < bytes.Length; at += chunk)
        {
            pending = [.. pending, .. bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at))];
            while (true)
            {
                var seq = new ReadOnlySequence<byte>(pending);
                var result = reader.TryRead(seq, out var consumed, out var examined);
                if (seq.GetOffset(consumed) > seq.GetOffset(examined))
                {
                    throw new InvalidOperationException("consumed past examined");
                }

                pending = seq.Slice(consumed).ToArray();
                if (result.Status == ImapReadStatus.NeedMoreData)
                {
                    break;
                }

                results.Add(result);
            }
        }

        return results;
    }

    public static ImapCommandLine Single(string input, int chunk = int.MaxValue)
    {
        var results = Feed(input, chunk).Where(r => r.Status != ImapReadStatus.NeedContinuation).ToList();
        var r = Assert.Single(results);
        Assert.True(r.Status == ImapReadStatus.Command, r.Reason);
        return r.Command!;
    }
}
