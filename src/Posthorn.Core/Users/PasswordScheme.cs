using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Core.Users;

/// <summary>
/// One password scheme of Dovecot's password-scheme list (doveadm-pw(1)): it makes a new
/// hash of a password and checks a password against a stored hash. Stored passwords carry
/// the scheme as a <c>{SCHEME}</c> prefix, as in Dovecot's passwd-file; comparisons are
/// constant-time.
/// </summary>
public abstract class PasswordScheme
{
    protected PasswordScheme(string name) => Name = name;

    /// <summary>The scheme's name as Dovecot spells it (upper case).</summary>
    public string Name { get; }

    /// <summary>Makes a new hash (without the <c>{SCHEME}</c> prefix) with a fresh random salt.</summary>
    public string Hash(string password) => Hash(password, null);

    /// <summary>
    /// Makes a new hash with a given cost (doveadm pw -r): rounds for SHA-crypt, the log2 cost
    /// for bcrypt, passes for Argon2id; ignored by schemes without one. Null means the default.
    /// </summary>
    public abstract string Hash(string password, int? rounds);

    /// <summary>The range of <c>rounds</c> this scheme accepts, or null when it has no cost.</summary>
    public virtual (int Min, int Max)? RoundsRange => null;

    /// <summary>True when <paramref name="password"/> matches <paramref name="hash"/> (without prefix).</summary>
    public abstract bool Verify(string password, string hash);

    /// <summary>Constant-time comparison of two strings' UTF-8 bytes.</summary>
    protected static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}

/// <summary>PLAIN and CLEARTEXT: the password itself.</summary>
internal sealed class PlainScheme(string name) : PasswordScheme(name)
{
    public override string Hash(string password, int? rounds) => password;

    public override bool Verify(string password, string hash) => FixedTimeEquals(password, hash);
}

/// <summary>
/// crypt(3) strings: SHA256-CRYPT (<c>$5$</c>) and SHA512-CRYPT (<c>$6$</c>) by
/// <see cref="ShaCrypt"/>, BLF-CRYPT (<c>$2y$</c>, also <c>$2a$</c>/<c>$2b$</c>) by BCrypt.Net-Next.
/// CRYPT accepts any of those on verification and makes SHA512-CRYPT hashes, as Dovecot's
/// CRYPT verifies whatever crypt(3) knows. Traditional DES and MD5 crypt are not supported.
/// </summary>
internal sealed class CryptScheme : PasswordScheme
{
    private readonly Func<int?, string> _newSetting;
    private readonly string[] _prefixes;
    private readonly (int Min, int Max) _rounds;

    public CryptScheme(string name, Func<int?, string> newSetting, (int Min, int Max) rounds, params string[] prefixes) : base(name)
    {
        _newSetting = newSetting;
        _rounds = rounds;
        _prefixes = prefixes;
    }

    public override (int Min, int Max)? RoundsRange => _rounds;

    /// <summary>Default bcrypt cost, as Dovecot's BLF-CRYPT uses.</summary>
    public const int BcryptCost = 5;

    public override string Hash(string password, int? rounds) => CryptWith(password, _newSetting(rounds)) ?? throw new InvalidOperationException("bad crypt setting");

    public override bool Verify(string password, string hash)
    {
        if (_prefixes.Length > 0 && !Array.Exists(_prefixes, p => hash.StartsWith(p, StringComparison.Ordinal)))
            return false;
        var computed = CryptWith(password, hash);
        return computed is not null && FixedTimeEquals(computed, hash);
    }

    /// <summary>crypt(3) of a password with a setting (or a full hash, whose salt is reused).</summary>
    internal static string? CryptWith(string password, string setting)
    {
        if (setting.StartsWith("$5$", StringComparison.Ordinal) || setting.StartsWith("$6$", StringComparison.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(password);
            try
            {
                return ShaCrypt.Crypt(bytes, setting);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }
        if (setting.Length >= 29 && setting[0] == '$' && setting[1] == '2' && setting[3] == '$')
        {
            try
            {
                // BCrypt.Net hashes with the salt and cost of the given string, keeping its $2x$ revision.
                return BCrypt.Net.BCrypt.HashPassword(password, setting[..29]);
            }
            catch (BCrypt.Net.SaltParseException)
            {
                return null;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
        return null;
    }
}

/// <summary>SHA256/SHA512 (base64 digest) and SSHA256/SSHA512 (base64 of digest then salt), as Dovecot writes them.</summary>
internal sealed class ShaDigestScheme(string name, HashAlgorithmName algorithm, bool salted) : PasswordScheme(name)
{
    private const int SaltLength = 8;

    public override string Hash(string password, int? rounds)
    {
        var salt = salted ? RandomNumberGenerator.GetBytes(SaltLength) : [];
        return Convert.ToBase64String([.. Digest(password, salt), .. salt]);
    }

    public override bool Verify(string password, string hash)
    {
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(hash);
        }
        catch (FormatException)
        {
            return false;
        }
        int size = algorithm == HashAlgorithmName.SHA512 ? 64 : 32;
        if (raw.Length < size || (!salted && raw.Length != size))
            return false;
        var digest = Digest(password, raw.AsSpan(size).ToArray());
        return CryptographicOperations.FixedTimeEquals(digest, raw.AsSpan(0, size));
    }

    private byte[] Digest(string password, byte[] salt)
    {
        using var h = IncrementalHash.CreateHash(algorithm);
        h.AppendData(Encoding.UTF8.GetBytes(password));
        h.AppendData(salt);
        return h.GetHashAndReset();
    }
}
