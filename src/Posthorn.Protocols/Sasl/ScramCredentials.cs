using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Protocols.Sasl;

/// <summary>
/// What a server stores for SCRAM-SHA-256 (RFC 5802 section 3, RFC 7677): salt, iteration count,
/// StoredKey = H(ClientKey) and ServerKey; never the password itself.
/// </summary>
public sealed record ScramCredentials(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>Derives the stored keys from a cleartext password (for {PLAIN} user database entries and tests).</summary>
    public static ScramCredentials FromPassword(string password, byte[] salt, int iterations)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return new ScramCredentials(salt, iterations, SHA256.HashData(clientKey), serverKey);
    }
}
