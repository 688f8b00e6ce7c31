using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Core.Users;

/// <summary>
/// SHA-crypt (<c>$5$</c> SHA-256 and <c>$6$</c> SHA-512), implemented from Ulrich Drepper's
/// published specification "Unix crypt using SHA-256 and SHA-512" (rounds default 5000,
/// clamped to 1000..999999999; salt at most 16 characters; <c>rounds=N$</c> written only when
/// given). Output matches glibc/libxcrypt crypt(3) and Dovecot's SHA256-CRYPT/SHA512-CRYPT.
/// </summary>
internal static class ShaCrypt
{
    private const int DefaultRounds = 5000;
    private const int MinRounds = 1000;
    private const int MaxRounds = 999_999_999;
    private const int MaxSaltLength = 16;

    /// <summary>The rounds the specification allows.</summary>
    public static (int Min, int Max) RoundsRange => (MinRounds, MaxRounds);

    private static readonly int[] Sha256Order =
    [
        0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5, 6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29,
    ];

    private static readonly int[] Sha512Order =
    [
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51,
        31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60,
        40, 61, 19, 62, 20, 41,
    ];

    /// <summary>Hashes <paramref name="password"/> with a setting string such as <c>$6$salt</c> or <c>$5$rounds=N$salt$...</c>.</summary>
    /// <returns>The full crypt string, or null when the setting is not SHA-crypt.</returns>
    public static string? Crypt(byte[] password, string setting)
    {
        bool sha512;
        if (setting.StartsWith("$6$", StringComparison.Ordinal))
            sha512 = true;
        else if (setting.StartsWith("$5$", StringComparison.Ordinal))
            sha512 = false;
        else
            return null;
        var rest = setting[3..];
        int rounds = DefaultRounds;
        bool customRounds = false;
        if (rest.StartsWith("rounds=", StringComparison.Ordinal))
        {
            int end = rest.IndexOf('$', StringComparison.Ordinal);
            if (end < 0 || !long.TryParse(rest.AsSpan(7, end - 7), out long r) || r < 0)
                return null;
            rounds = (int)Math.Clamp(r, MinRounds, MaxRounds);
            customRounds = true;
            rest = rest[(end + 1)..];
        }
        int saltEnd = rest.IndexOf('$', StringComparison.Ordinal);
        var saltText = saltEnd < 0 ? rest : rest[..saltEnd];
        if (saltText.Length > MaxSaltLength)
            saltText = saltText[..MaxSaltLength];
        var salt = Encoding.UTF8.GetBytes(saltText);
        var hash = Compute(password, salt, rounds, sha512);
        var sb = new StringBuilder(sha512 ? "$6$" : "$5$");
        if (customRounds)
            sb.Append("rounds=").Append(rounds).Append('$');
        sb.Append(saltText).Append('$');
        var order = sha512 ? Sha512Order : Sha256Order;
        for (int i = 0; i < order.Length; i += 3)
            CryptBase64.Append(sb, hash[order[i]], hash[order[i + 1]], hash[order[i + 2]], 4);
        if (sha512)
            CryptBase64.Append(sb, 0, 0, hash[63], 2);
        else
            CryptBase64.Append(sb, 0, hash[31], hash[30], 3);
        CryptographicOperations.ZeroMemory(hash);
        return sb.ToString();
    }

    /// <summary>Makes a new setting string with a random salt.</summary>
    public static string NewSetting(bool sha512, int? rounds = null)
    {
        var salt = CryptBase64.RandomSalt(MaxSaltLength);
        return (sha512 ? "$6$" : "$5$") + (rounds is int r ? $"rounds={r}$" : "") + salt;
    }

    private static byte[] Compute(byte[] p, byte[] s, int rounds, bool sha512)
    {
        using var hB = IncrementalHash.CreateHash(sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256);
        int size = sha512 ? 64 : 32;

        // Digest B = H(P S P).
        hB.AppendData(p);
        hB.AppendData(s);
        hB.AppendData(p);
        var b = hB.GetHashAndReset();

        // Digest A = H(P S B-repeated-to-len(P) then, per bit of len(P), B or P).
        hB.AppendData(p);
        hB.AppendData(s);
        AppendRepeated(hB, b, p.Length);
        for (int n = p.Length; n > 0; n >>= 1)
            hB.AppendData((n & 1) != 0 ? b : p);
        var a = hB.GetHashAndReset();

        // Digest DP = H(P repeated len(P) times); P' is DP stretched to len(P).
        for (int i = 0; i < p.Length; i++)
            hB.AppendData(p);
        var pPrime = Stretch(hB.GetHashAndReset(), p.Length);

        // Digest DS = H(S repeated 16 + A[0] times); S' is DS stretched to len(S).
        for (int i = 0; i < 16 + a[0]; i++)
            hB.AppendData(s);
        var sPrime = Stretch(hB.GetHashAndReset(), s.Length);

        var c = a;
        for (int i = 0; i < rounds; i++)
        {
            if ((i & 1) != 0)
                hB.AppendData(pPrime);
            else
                hB.AppendData(c, 0, size);
            if (i % 3 != 0)
                hB.AppendData(sPrime);
            if (i % 7 != 0)
                hB.AppendData(pPrime);
            if ((i & 1) != 0)
                hB.AppendData(c, 0, size);
            else
                hB.AppendData(pPrime);
            c = hB.GetHashAndReset();
        }
        CryptographicOperations.ZeroMemory(pPrime);
        CryptographicOperations.ZeroMemory(b);
        return c;
    }

    private static void AppendRepeated(IncrementalHash h, byte[] block, int length)
    {
        for (; length > block.Length; length -= block.Length)
            h.AppendData(block);
        h.AppendData(block, 0, length);
    }

    private static byte[] Stretch(byte[] block, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
            result[i] = block[i % block.Length];
        return result;
    }
}

/// <summary>The "./0-9A-Za-z" base-64 alphabet of crypt(3), least significant 6 bits first.</summary>
internal static class CryptBase64
{
    public const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static void Append(StringBuilder sb, byte b2, byte b1, byte b0, int chars)
    {
        int w = (b2 << 16) | (b1 << 8) | b0;
        for (int i = 0; i < chars; i++)
        {
            sb.Append(Alphabet[w & 0x3f]);
            w >>= 6;
        }
    }

    public static string RandomSalt(int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }
}
