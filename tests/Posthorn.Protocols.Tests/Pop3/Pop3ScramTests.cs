using System.Security.Cryptography;
using System.Text;
using Posthorn.Protocols.Pop3;
using Posthorn.Protocols.Sasl;

namespace Posthorn.Protocols.Tests.Pop3;

public class Pop3ScramTests
{
    [Fact]
    public async Task Auth_scram_sha_256_logs_in_with_a_computed_proof()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var options = new Pop3SessionOptions
        {
            SaslMechanisms = ["PLAIN", "SCRAM-SHA-256"],
            ScramLookup = u => u == "user" ? ScramCredentials.FromPassword("pencil", salt, 4096) : null,
        };
        var session = new Pop3Session(new FakeBackend(new MemoryMaildrop("a\r\n")), options);
        Assert.Contains("SASL PLAIN SCRAM-SHA-256", (await session.HandleLineAsync("CAPA"u8.ToArray())).Lines!);

        const string clientFirstBare = "n=user,r=clientnonce";
        var first = await session.HandleLineAsync(Encoding.ASCII.GetBytes("AUTH SCRAM-SHA-256 " + Convert.ToBase64String(Encoding.UTF8.GetBytes("n,," + clientFirstBare))));
        Assert.StartsWith("+ ", first.StatusLine);
        var serverFirst = Encoding.UTF8.GetString(Convert.FromBase64String(first.StatusLine[2..]));
        var nonce = serverFirst.Split(',')[0][2..];
        var withoutProof = "c=biws,r=" + nonce;
        var salted = Rfc2898DeriveBytes.Pbkdf2("pencil"u8, salt, 4096, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var signature = HMACSHA256.HashData(SHA256.HashData(clientKey), Encoding.UTF8.GetBytes(clientFirstBare + "," + serverFirst + "," + withoutProof));
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        var final = await session.HandleLineAsync(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(proof)))));
        Assert.StartsWith("+ ", final.StatusLine);
        Assert.StartsWith("v=", Encoding.UTF8.GetString(Convert.FromBase64String(final.StatusLine[2..])), StringComparison.Ordinal);
        Assert.Equal("+OK Logged in.", (await session.HandleLineAsync([])).StatusLine);
        Assert.Equal(Pop3State.Transaction, session.State);
    }

    [Fact]
    public async Task A_wrong_scram_proof_fails_after_the_failure_delay()
    {
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var options = new Pop3SessionOptions
        {
            SaslMechanisms = ["SCRAM-SHA-256"],
            ScramLookup = u => u == "user" ? ScramCredentials.FromPassword("pencil", salt, 4096) : null,
            SaslFailureDelay = TimeSpan.FromMilliseconds(300),
        };
        var session = new Pop3Session(new FakeBackend(new MemoryMaildrop("a\r\n")), options);
        var first = await session.HandleLineAsync(Encoding.ASCII.GetBytes("AUTH SCRAM-SHA-256 " + Convert.ToBase64String("n,,n=user,r=abc"u8)));
        var nonce = Encoding.UTF8.GetString(Convert.FromBase64String(first.StatusLine[2..])).Split(',')[0][2..];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var final = await session.HandleLineAsync(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes("c=biws,r=" + nonce + ",p=" + Convert.ToBase64String(new byte[32])))));
        Assert.Equal("-ERR [AUTH] Authentication failed.", final.StatusLine);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), watch.Elapsed.ToString());
        Assert.Equal(Pop3State.Authorization, session.State);
    }
}
