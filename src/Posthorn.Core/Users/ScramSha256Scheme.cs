using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Core.Users;

/// <summary>The keys SCRAM-SHA-256 (RFC 5802 section 3, RFC 7677) needs on the server: salt, iteration count, StoredKey and ServerKey.</summary>
public sealed record ScramKeys(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>Derives the keys from a password: SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, i).</summary>
    public static ScramKeys FromPassword(string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return new ScramKeys(salt, iterations, SHA256.HashData(clientKey), serverKey);
    }
}

/// <summary>
/// SCRAM-SHA-256 as Dovecot stores it (doveadm-pw(1) -s SCRAM-SHA-256):
/// <c>ITERATIONS,base64(salt),base64(StoredKey),base64(ServerKey)</c>, 4096 iterations and a
/// 16-byte salt by default. The stored form lets the SASL mechanism SCRAM-SHA-256 run without
/// the password, and PLAIN/LOGIN logins are checked by deriving the keys again.
/// </summary>
public sealed class ScramSha256Scheme() : PasswordScheme("SCRAM-SHA-256")
{
    /// <summary>Dovecot's default iteration count (and RFC 7677's minimum recommendation).</summary>
    public const int DefaultIterations = 4096;

    private const int MaxIterations = 10_000_000;

    public override (int Min, int Max)? RoundsRange => (DefaultIterations, MaxIterations);

    public override string Hash(string password, int? rounds)
    {
        var keys = ScramKeys.FromPassword(password, RandomNumberGenerator.GetBytes(16), rounds ?? DefaultIterations);
        return string.Create(CultureInfo.InvariantCulture,
            $"{keys.Iterations},{Convert.ToBase64String(keys.Salt)},{Convert.ToBase64String(keys.StoredKey)},{Convert.ToBase64String(keys.ServerKey)}");
    }

    public override bool Verify(string password, string hash)
    {
        if (Parse(hash) is not { } stored)
            return false;
        var actual = ScramKeys.FromPassword(password, stored.Salt, stored.Iterations);
        return CryptographicOperations.FixedTimeEquals(actual.StoredKey, stored.StoredKey)
               && CryptographicOperations.FixedTimeEquals(actual.ServerKey, stored.ServerKey);
    }

    /// <summary>Reads the stored form (without the prefix); null when it is malformed.</summary>
    public static ScramKeys? Parse(string hash)
    {
        var parts = hash.Split(',');
        if (parts.Length != 4
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations)
            || iterations < 1 || iterations > MaxIterations)
            return null;
        try
        {
            var salt = Convert.FromBase64String(parts[1]);
            var storedKey = Convert.FromBase64String(parts[2]);
            var serverKey = Convert.FromBase64String(parts[3]);
            return salt.Length == 0 || storedKey.Length != 32 || serverKey.Length != 32 ? null : new ScramKeys(salt, iterations, storedKey, serverKey);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The SCRAM keys for a stored <c>{SCHEME}hash</c>: read from a SCRAM-SHA-256 hash, derived
    /// with a fresh salt from a PLAIN/CLEARTEXT password (as Dovecot does); null for one-way
    /// hashes (CRYPT, ARGON2ID, ...), with which SCRAM cannot work.
    /// </summary>
    public static ScramKeys? KeysFor(string stored)
    {
        var (scheme, hash) = PasswordSchemes.Split(stored);
        return scheme switch
        {
            "SCRAM-SHA-256" => Parse(hash),
            "PLAIN" or "CLEARTEXT" when hash.Length > 0 => ScramKeys.FromPassword(hash, RandomNumberGenerator.GetBytes(16), DefaultIterations),
            _ => null,
        };
    }
}
