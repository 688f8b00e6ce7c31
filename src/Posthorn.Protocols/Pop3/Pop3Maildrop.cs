namespace Posthorn.Protocols.Pop3;

/// <summary>One message of a maildrop as POP3 sees it: its size in octets as sent (CRLF line endings) and its unique id (RFC 1939 section 7, UIDL).</summary>
public readonly record struct Pop3MessageInfo(long Size, string Uid);

/// <summary>
/// The maildrop a POP3 session works on, opened and locked after authentication (RFC 1939
/// section 8: the server should hold an exclusive lock). The mail store implements this; tests
/// use an in-memory one. Message numbers here are 0-based indexes into <see cref="Messages"/>.
/// </summary>
public interface IPop3Maildrop : IAsyncDisposable
{
    /// <summary>The messages present when the maildrop was opened, in POP3 order.</summary>
    IReadOnlyList<Pop3MessageInfo> Messages { get; }

    /// <summary>Opens a message for reading (its bytes as stored; the writer converts line endings).</summary>
    ValueTask<Stream> OpenMessageAsync(int index, CancellationToken cancellationToken);

    /// <summary>
    /// The UPDATE state: removes the messages marked deleted and marks retrieved ones seen.
    /// Returns false when the store failed (the session then answers -ERR [SYS/TEMP]).
    /// </summary>
    ValueTask<bool> CommitAsync(IReadOnlyCollection<int> deleted, IReadOnlyCollection<int> retrieved, CancellationToken cancellationToken);
}

/// <summary>The outcome of a login attempt.</summary>
public enum Pop3LoginStatus
{
    /// <summary>Credentials accepted and maildrop opened.</summary>
    Ok,

    /// <summary>Wrong user name or password: -ERR [AUTH].</summary>
    Failed,

    /// <summary>Credentials accepted but the maildrop is locked by another session: -ERR [IN-USE].</summary>
    InUse,

    /// <summary>The user database or store failed: -ERR [SYS/TEMP].</summary>
    TemporaryFailure,
}

/// <summary>A login outcome with the opened maildrop on success.</summary>
public sealed record Pop3LoginResult(Pop3LoginStatus Status, IPop3Maildrop? Maildrop = null, string? UserName = null);

/// <summary>
/// Checks credentials against the user database and opens the user's maildrop: what the POP3
/// server wires to the passwd-file user table and the mail store.
/// </summary>
public interface IPop3Backend
{
    /// <summary>USER/PASS, AUTH PLAIN and AUTH LOGIN: checks a cleartext password. <paramref name="authorizationId"/> is empty unless the client asked to act as someone else.</summary>
    ValueTask<Pop3LoginResult> LoginAsync(string authorizationId, string user, string password, CancellationToken cancellationToken);

    /// <summary>Opens the maildrop of a user whom a SASL mechanism (SCRAM) already authenticated; no password is involved.</summary>
    ValueTask<Pop3LoginResult> OpenAuthenticatedAsync(string authorizationId, string user, CancellationToken cancellationToken);

    /// <summary>APOP (RFC 1939 section 7): checks MD5(timestamp + secret) against <paramref name="digest"/>.</summary>
    ValueTask<Pop3LoginResult> LoginApopAsync(string user, string timestamp, string digest, CancellationToken cancellationToken);
}
