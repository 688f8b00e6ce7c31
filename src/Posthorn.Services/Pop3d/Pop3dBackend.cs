using Posthorn.Core.Maps;
using Posthorn.Core.Users;
using Posthorn.Protocols.Pop3;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// The pop3d side of <see cref="IPop3Backend"/>: checks credentials against
/// <c>posthorn_user_database</c> (docs/users.md), finds the mailbox with
/// <see cref="UserMailboxLocator"/> and opens it as a <see cref="StoreMaildrop"/>. A failed
/// login waits <c>pop3d_login_failure_delay</c> before answering, as Dovecot's
/// auth_failure_delay does. APOP works only for users whose stored password is {PLAIN} or
/// {CLEARTEXT}, since the digest needs the secret itself (RFC 1939 section 7).
/// Proxy logins (an authorization id different from the user) are refused.
/// </summary>
internal sealed class Pop3dBackend : IPop3Backend
{
    private readonly Pop3dSettings _settings;

    public Pop3dBackend(Pop3dSettings settings) => _settings = settings;

    /// <summary>The reason the last login failed temporarily, for the log.</summary>
    public string? LastError { get; private set; }

    /// <summary>The user name of the last attempt, for the log.</summary>
    public string? LastUser { get; private set; }

    /// <summary>The maildrop opened by the last successful login.</summary>
    public StoreMaildrop? Opened { get; private set; }

    public async ValueTask<Pop3LoginResult> LoginAsync(string authorizationId, string user, string password, CancellationToken cancellationToken)
    {
        LastUser = user;
        var entry = _settings.Users.FindAddress(user);
        if (entry is null || (authorizationId.Length > 0 && !string.Equals(authorizationId, user, StringComparison.OrdinalIgnoreCase)) || !entry.VerifyPassword(password))
            return await FailAsync(cancellationToken);
        return Open(entry);
    }

    public ValueTask<Pop3LoginResult> OpenAuthenticatedAsync(string authorizationId, string user, CancellationToken cancellationToken)
    {
        LastUser = user;
        var entry = _settings.Users.FindAddress(user);
        if (entry is null || (authorizationId.Length > 0 && !string.Equals(authorizationId, user, StringComparison.OrdinalIgnoreCase)))
            return FailAsync(cancellationToken);
        return ValueTask.FromResult(Open(entry));
    }

    public async ValueTask<Pop3LoginResult> LoginApopAsync(string user, string timestamp, string digest, CancellationToken cancellationToken)
    {
        LastUser = user;
        var entry = _settings.Users.FindAddress(user);
        if (entry is null || PlaintextSecret(entry.Password) is not string secret || !Pop3Apop.Verify(timestamp, secret, digest))
            return await FailAsync(cancellationToken);
        return Open(entry);
    }

    /// <summary>The secret of a {PLAIN} or {CLEARTEXT} password, else null (APOP impossible).</summary>
    public static string? PlaintextSecret(string stored)
    {
        foreach (var prefix in (string[])["{PLAIN}", "{CLEARTEXT}"])
        {
            if (stored.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return stored[prefix.Length..];
        }
        return null;
    }

    private async ValueTask<Pop3LoginResult> FailAsync(CancellationToken cancellationToken)
    {
        if (_settings.LoginFailureDelay > TimeSpan.Zero)
            await Task.Delay(_settings.LoginFailureDelay, cancellationToken);
        return new Pop3LoginResult(Pop3LoginStatus.Failed);
    }

    private Pop3LoginResult Open(UserEntry entry)
    {
        try
        {
            var path = new UserMailboxLocator(_settings.Config).Locate(entry);
            var maildrop = StoreMaildrop.TryOpen(path, _settings.LockOptions);
            if (maildrop is null)
                return new Pop3LoginResult(Pop3LoginStatus.InUse, UserName: entry.User);
            Opened = maildrop;
            return new Pop3LoginResult(Pop3LoginStatus.Ok, maildrop, entry.User);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or MailboxNameException or TableLookupException or Core.Config.ConfigException)
        {
            LastError = e.Message;
            return new Pop3LoginResult(Pop3LoginStatus.TemporaryFailure, UserName: entry.User);
        }
    }
}
