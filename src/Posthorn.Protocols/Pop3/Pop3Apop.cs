using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Protocols.Pop3;

/// <summary>
/// APOP (RFC 1939 section 7): the digest is MD5 over the greeting's timestamp followed by the
/// shared secret, as 32 lower-case hex digits. MD5 is what the RFC fixes; APOP is only offered
/// when configured, and the backend compares digests in constant time.
/// </summary>
public static class Pop3Apop
{
    /// <summary>Computes the APOP digest for a timestamp and a secret.</summary>
    public static string Digest(string timestamp, string secret)
    {
#pragma warning disable CA5351 // RFC 1939 defines APOP with MD5.
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret)));
#pragma warning restore CA5351
    }

    /// <summary>Checks a client's digest in constant time (case-insensitive hex).</summary>
    public static bool Verify(string timestamp, string secret, string digest) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Digest(timestamp, secret)), Encoding.ASCII.GetBytes(digest.ToLowerInvariant()));
}
