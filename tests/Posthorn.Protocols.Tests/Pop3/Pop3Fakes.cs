using System.Buffers;
using System.Text;
using Posthorn.Protocols.Pop3;

namespace Posthorn.Protocols.Tests.Pop3;

internal sealed class MemoryMaildrop(params string[] messages) : IPop3Maildrop
{
    public List<int> CommittedDeleted { get; } = [];

    public bool Disposed { get; private set; }

    public bool FailCommit { get; set; }

    public IReadOnlyList<Pop3MessageInfo> Messages { get; } = messages
        .Select((m, i) => new Pop3MessageInfo(Encoding.UTF8.GetByteCount(m.ReplaceLineEndings("\r\n")), $"{i + 1:x16}"))
        .ToList();

    public ValueTask<Stream> OpenMessageAsync(int index, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(messages[index])));

    public ValueTask<bool> CommitAsync(IReadOnlyCollection<int> deleted, IReadOnlyCollection<int> retrieved, CancellationToken cancellationToken)
    {
        CommittedDeleted.AddRange(deleted);
        return ValueTask.FromResult(!FailCommit);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeBackend(MemoryMaildrop maildrop) : IPop3Backend
{
    public bool Locked { get; set; }

    public ValueTask<Pop3LoginResult> LoginAsync(string authorizationId, string user, string password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(user == "user1sld" && password == "pippo" && (authorizationId.Length == 0 || authorizationId == user)
            ? (Locked ? new Pop3LoginResult(Pop3LoginStatus.InUse) : new Pop3LoginResult(Pop3LoginStatus.Ok, maildrop, user))
            : new Pop3LoginResult(Pop3LoginStatus.Failed));

    public ValueTask<Pop3LoginResult> OpenAuthenticatedAsync(string authorizationId, string user, CancellationToken cancellationToken) =>
        ValueTask.FromResult(user == "user" ? new Pop3LoginResult(Pop3LoginStatus.Ok, maildrop, user) : new Pop3LoginResult(Pop3LoginStatus.Failed));

    public ValueTask<Pop3LoginResult> LoginApopAsync(string user, string timestamp, string digest, CancellationToken cancellationToken)
    {
        return ValueTask.FromResult(user == "user1sld" && Pop3Apop.Verify(timestamp, "pippo", digest)
            ? new Pop3LoginResult(Pop3LoginStatus.Ok, maildrop, user)
            : new Pop3LoginResult(Pop3LoginStatus.Failed));
    }
}

/// <summary>Drives reader + session + writer over bytes, the way the pop3d server will.</summary>
internal static class Pop3Driver
{
    public static async Task<string> RunAsync(Pop3Session session, string input, int chunk = int.MaxValue, int maxLine = Pop3LineReader.DefaultMaxLineLength)
    {
        var output = new MemoryStream();
        await Pop3ReplyWriter.WriteAsync(session.Greeting(), output);
        var reader = new Pop3LineReader(maxLine);
        var bytes = Encoding.UTF8.GetBytes(input);
        var pending = Array.Empty<byte>();
        for (var at = 0; at < bytes.Length && session.State != Pop3State.Closed; at += chunk)
        {
            pending = [.. pending, .. bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at))];
            while (session.State != Pop3State.Closed)
            {
                var seq = new ReadOnlySequence<byte>(pending);
                var status = reader.TryRead(seq, out var line, out var consumed, out _);
                pending = seq.Slice(consumed).ToArray();
                if (status == Pop3LineStatus.NeedMoreData)
                {
                    break;
                }

                var reply = status == Pop3LineStatus.TooLong ? session.LineTooLong() : await session.HandleLineAsync(line);
                await Pop3ReplyWriter.WriteAsync(reply, output);
            }
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }
}
