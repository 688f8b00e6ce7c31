using System.Security.Cryptography;
using System.Text;
using Posthorn.Core.Users;

namespace Posthorn.Services.Tests.Smtpd;

/// <summary>SCRAM-SHA-256 (RFC 5802, RFC 7677) in SMTP AUTH: offered through posthorn_smtpd_sasl_mechanisms, keys from the user database.</summary>
public sealed class SmtpdScramTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string FromB64(string s) => Encoding.UTF8.GetString(Convert.FromBase64String(s));

    private static SmtpdFixture Fixture(string extra)
    {
        var dir = Directory.CreateTempSubdirectory("smtpd-scram").FullName;
        var users = Path.Combine(dir, "users");
        File.WriteAllText(users,
            "alice@example.com:{PLAIN}secret::::::\n" +
            $"sam@example.com:{PasswordSchemes.Encode(PasswordSchemes.Find("SCRAM-SHA-256")!, "pencil")}::::::\n" +
            $"carl@example.com:{PasswordSchemes.Encode(PasswordSchemes.Find("SHA512-CRYPT")!, "pencil")}::::::\n");
        return new SmtpdFixture($"""
            smtpd_sasl_auth_enable = yes
            posthorn_user_database = {users}
            {extra}
            """);
    }

    /// <summary>Runs a client SCRAM exchange; returns the final reply.</summary>
    private static async Task<string> ScramAsync(SmtpdClient c, string user, string password)
    {
        const string nonce = "rOprNGfwEbeRWgbNEkqO";
        var bare = $"n={user},r={nonce}";
        var first = await c.CommandAsync("AUTH SCRAM-SHA-256 " + B64("n,," + bare)) ?? "";
        if (!first.StartsWith("334 ", StringComparison.Ordinal))
            return first;
        var serverFirst = FromB64(first[4..]);
        var parts = serverFirst.Split(',').ToDictionary(p => p[..1], p => p[2..]);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(parts["s"]), int.Parse(parts["i"], System.Globalization.CultureInfo.InvariantCulture), HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var withoutProof = "c=biws,r=" + parts["r"];
        var authMessage = Encoding.UTF8.GetBytes(bare + "," + serverFirst + "," + withoutProof);
        var signature = HMACSHA256.HashData(SHA256.HashData(clientKey), authMessage);
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        var final = await c.CommandAsync(B64(withoutProof + ",p=" + Convert.ToBase64String(proof))) ?? "";
        if (!final.StartsWith("334 ", StringComparison.Ordinal))
            return final;
        var expected = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage);
        Assert.Equal("v=" + Convert.ToBase64String(expected), FromB64(final[4..]));
        return await c.CommandAsync("") ?? "";
    }

    [Fact]
    public async Task Scram_is_offered_only_when_listed_and_survives_noplaintext()
    {
        using (var f = Fixture(""))
        {
            await using var c = f.Connect();
            await c.ReadReplyAsync();
            Assert.Contains("250-AUTH PLAIN LOGIN\n", await c.CommandAsync("EHLO client.example.org") + "\n");
            Assert.StartsWith("535 5.7.8 Error: authentication failed: Invalid authentication mechanism", await c.CommandAsync("AUTH SCRAM-SHA-256"));
        }
        using (var f = Fixture("posthorn_smtpd_sasl_mechanisms = PLAIN LOGIN SCRAM-SHA-256\nsmtpd_sasl_security_options = noanonymous, noplaintext"))
        {
            await using var c = f.Connect();
            await c.ReadReplyAsync();
            var ehlo = await c.CommandAsync("EHLO client.example.org");
            Assert.Contains("250-AUTH SCRAM-SHA-256", ehlo);
            Assert.DoesNotContain("PLAIN", ehlo);
        }
    }

    [Fact]
    public async Task Scram_authenticates_stored_keys_and_plain_passwords_but_not_one_way_hashes()
    {
        using var f = Fixture("posthorn_smtpd_sasl_mechanisms = PLAIN, LOGIN, SCRAM-SHA-256");
        await using (var c = f.Connect())
        {
            await c.ReadReplyAsync();
            Assert.Contains("250-AUTH PLAIN LOGIN SCRAM-SHA-256", await c.CommandAsync("EHLO client.example.org"));
            Assert.Equal("235 2.7.0 Authentication successful", await ScramAsync(c, "sam@example.com", "pencil"));
        }
        await using (var c = f.Connect())
        {
            await c.ReadReplyAsync();
            await c.CommandAsync("EHLO client.example.org");
            Assert.Equal("235 2.7.0 Authentication successful", await ScramAsync(c, "alice@example.com", "secret"));
        }
        foreach (var (user, password) in (ValueTuple<string, string>[])[("sam@example.com", "wrong"), ("carl@example.com", "pencil"), ("nobody@example.com", "x")])
        {
            await using var c = f.Connect();
            await c.ReadReplyAsync();
            await c.CommandAsync("EHLO client.example.org");
            Assert.Equal("535 5.7.8 Error: authentication failed: authentication failure", await ScramAsync(c, user, password));
        }
    }
}
