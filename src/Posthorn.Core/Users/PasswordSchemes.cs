using System.Security.Cryptography;

namespace Posthorn.Core.Users;

/// <summary>
/// The password schemes Posthorn knows, by Dovecot's names, and the <c>{SCHEME}hash</c>
/// notation of a stored password. A stored password without a prefix is taken as CRYPT, as
/// Dovecot's passwd-file does by default.
/// </summary>
public static class PasswordSchemes
{
    /// <summary>The scheme assumed for a stored password without a <c>{SCHEME}</c> prefix.</summary>
    public const string DefaultScheme = "CRYPT";

    private static readonly PasswordScheme[] Schemes =
    [
        new Argon2idScheme(),
        new CryptScheme("BLF-CRYPT", r => BCrypt.Net.BCrypt.GenerateSalt(r ?? CryptScheme.BcryptCost, 'y'), (4, 31), "$2y$", "$2a$", "$2b$"),
        new PlainScheme("CLEARTEXT"),
        new CryptScheme("CRYPT", r => ShaCrypt.NewSetting(sha512: true, r), ShaCrypt.RoundsRange),
        new PlainScheme("PLAIN"),
        new ScramSha256Scheme(),
        new ShaDigestScheme("SHA256", HashAlgorithmName.SHA256, salted: false),
        new CryptScheme("SHA256-CRYPT", r => ShaCrypt.NewSetting(sha512: false, r), ShaCrypt.RoundsRange, "$5$"),
        new ShaDigestScheme("SHA512", HashAlgorithmName.SHA512, salted: false),
        new CryptScheme("SHA512-CRYPT", r => ShaCrypt.NewSetting(sha512: true, r), ShaCrypt.RoundsRange, "$6$"),
        new ShaDigestScheme("SSHA256", HashAlgorithmName.SHA256, salted: true),
        new ShaDigestScheme("SSHA512", HashAlgorithmName.SHA512, salted: true),
    ];

    /// <summary>Every scheme, sorted by name.</summary>
    public static IReadOnlyList<PasswordScheme> All => Schemes;

    /// <summary>The scheme of that name (case-insensitive), or null.</summary>
    public static PasswordScheme? Find(string name) =>
        Array.Find(Schemes, s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Makes <c>{SCHEME}hash</c> for a password.</summary>
    public static string Encode(PasswordScheme scheme, string password) => "{" + scheme.Name + "}" + scheme.Hash(password);

    /// <summary>Splits <c>{SCHEME}hash</c>; a string without a prefix gets <paramref name="defaultScheme"/>.</summary>
    public static (string Scheme, string Hash) Split(string stored, string defaultScheme = DefaultScheme)
    {
        if (stored.StartsWith('{'))
        {
            int end = stored.IndexOf('}', StringComparison.Ordinal);
            if (end > 1)
                return (stored[1..end].ToUpperInvariant(), stored[(end + 1)..]);
        }
        return (defaultScheme, stored);
    }

    /// <summary>
    /// Checks a password against a stored <c>{SCHEME}hash</c>. An unknown scheme or an empty
    /// stored password never matches.
    /// </summary>
    public static bool Verify(string password, string stored, string defaultScheme = DefaultScheme)
    {
        var (name, hash) = Split(stored, defaultScheme);
        var scheme = Find(name);
        return scheme is not null && hash.Length > 0 && scheme.Verify(password, hash);
    }
}
