using Posthorn.Core.Users;
using Posthorn.Protocols.Sasl;

namespace Posthorn.Services.Sasl;

/// <summary>
/// The SCRAM-SHA-256 credentials (RFC 5802, RFC 7677) of posthorn_user_database's users, for
/// SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE: a <c>{SCRAM-SHA-256}</c> entry gives its stored
/// keys, a <c>{PLAIN}</c>/<c>{CLEARTEXT}</c> entry has them derived (as Dovecot does); a user with
/// a one-way hash (CRYPT, ARGON2ID, ...) or with <c>nopassword</c> cannot use SCRAM (docs/users.md).
/// </summary>
public static class UserScramLookup
{
    /// <summary>A lookup that finds the user's entry with <paramref name="find"/> at the time of each exchange.</summary>
    public static Func<string, ScramCredentials?> For(Func<string, UserEntry?> find)
    {
        ArgumentNullException.ThrowIfNull(find);
        return user =>
        {
            var entry = find(user);
            if (entry is null || entry.ExtraFields.ContainsKey("nopassword"))
                return null;
            return ScramSha256Scheme.KeysFor(entry.Password) is { } k ? new ScramCredentials(k.Salt, k.Iterations, k.StoredKey, k.ServerKey) : null;
        };
    }
}
