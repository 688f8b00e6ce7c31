using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Posthorn.Core.Users;

/// <summary>
/// ARGON2ID as Dovecot writes it (libsodium's crypto_pwhash_str): a PHC string
/// <c>$argon2id$v=19$m=KIB,t=PASSES,p=LANES$SALT$HASH</c> with unpadded standard base64.
/// New hashes use m=65536 (64 MiB), t=3, p=1, a 16-byte salt and a 32-byte hash.
/// Computed by Konscious.Security.Cryptography.Argon2.
/// </summary>
internal sealed class Argon2idScheme() : PasswordScheme("ARGON2ID")
{
    private const int MemoryKib = 65536;
    private const int Passes = 3;
    private const int Lanes = 1;
    private const int MaxMemoryKib = 4 * 1024 * 1024;

    public override (int Min, int Max)? RoundsRange => (1, 100);

    public override string Hash(string password, int? rounds)
    {
        int passes = rounds ?? Passes;
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Compute(password, salt, MemoryKib, passes, Lanes, 32);
        return $"$argon2id$v=19$m={MemoryKib},t={passes},p={Lanes}${B64(salt)}${B64(hash)}";
    }

    public override bool Verify(string password, string hash)
    {
        // $argon2id$v=19$m=..,t=..,p=..$salt$hash -> "", "argon2id", "v=19", params, salt, hash
        var parts = hash.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != "v=19")
            return false;
        int m = 0, t = 0, p = 0;
        foreach (var kv in parts[3].Split(','))
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 || !int.TryParse(kv.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                return false;
            switch (kv[..eq])
            {
                case "m": m = v; break;
                case "t": t = v; break;
                case "p": p = v; break;
                default: return false;
            }
        }
        if (m < 8 || m > MaxMemoryKib || t < 1 || p < 1 || p > 255)
            return false;
        var salt = FromB64(parts[4]);
        var expected = FromB64(parts[5]);
        if (salt is null || expected is null || salt.Length < 8 || expected.Length < 4)
            return false;
        var actual = Compute(password, salt, m, t, p, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static byte[] Compute(string password, byte[] salt, int memoryKib, int passes, int lanes, int length)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKib,
            Iterations = passes,
            DegreeOfParallelism = lanes,
        };
        return argon.GetBytes(length);
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=');

    private static byte[]? FromB64(string text)
    {
        var padded = text + new string('=', (4 - text.Length % 4) % 4);
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
