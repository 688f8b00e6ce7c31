using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Protocols.Sasl;

/// <summary>
/// Server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding: client-first,
/// server-first (nonce, salt, iterations), client-final with proof, server-final with the server
/// signature, then an empty client response. Credentials come from a pluggable lookup; an
/// unknown user runs the exchange with a made-up salt and fails only at the proof, so user names
/// cannot be probed. SASLprep (RFC 4013) is not applied: names and passwords are compared as sent.
/// </summary>
public sealed class ScramSha256Mechanism : SaslMechanism
{
    private const int DefaultIterations = 4096;
    private readonly Func<string, ScramCredentials?> _lookup;
    private readonly Func<string> _nonce;
    private int _state;
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _gs2Header = "";
    private string _nonceValue = "";
    private ScramCredentials? _credentials;
    private byte[] _serverSignature = [];

    /// <summary>Creates the mechanism; <paramref name="serverNonce"/> is for tests (default: 18 random bytes in base64).</summary>
    public ScramSha256Mechanism(Func<string, ScramCredentials?> lookup, Func<string>? serverNonce = null)
    {
        _lookup = lookup;
        _nonce = serverNonce ?? (() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
    }

    /// <inheritdoc/>
    public override string Name => "SCRAM-SHA-256";

    /// <inheritdoc/>
    public override bool IsPlaintext => false;

    /// <inheritdoc/>
    protected override SaslStep Next(ReadOnlySpan<byte> response)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(response);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Fail("SCRAM: invalid UTF-8");
        }

        return _state switch
        {
            0 => ClientFirst(text),
            1 => ClientFinal(text),
            _ => text.Length == 0 ? new SaslStep(SaslStatus.Success) : SaslStep.Fail("SCRAM: unexpected data after server-final"),
        };
    }

    private SaslStep ClientFirst(string text)
    {
        // gs2-header: gs2-cbind-flag "," [authzid] ","
        var c1 = text.IndexOf(',', StringComparison.Ordinal);
        var c2 = c1 < 0 ? -1 : text.IndexOf(',', c1 + 1);
        if (c2 < 0)
        {
            return SaslStep.Fail("SCRAM: malformed client-first-message");
        }

        var flag = text[..c1];
        if (flag.StartsWith("p=", StringComparison.Ordinal))
        {
            return SaslStep.Fail("SCRAM: channel binding not supported");
        }

        if (flag is not ("n" or "y"))
        {
            return SaslStep.Fail("SCRAM: bad gs2-cbind-flag");
        }

        var authzid = text[(c1 + 1)..c2];
        if (authzid.Length > 0)
        {
            if (!authzid.StartsWith("a=", StringComparison.Ordinal) || Unescape(authzid[2..]) is not { } az)
            {
                return SaslStep.Fail("SCRAM: bad authzid");
            }

            AuthorizationId = az;
        }

        _gs2Header = text[..(c2 + 1)];
        _clientFirstBare = text[(c2 + 1)..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal)
            || attributes[1].Length == 2)
        {
            return SaslStep.Fail("SCRAM: malformed client-first-message-bare");
        }

        if (Unescape(attributes[0][2..]) is not { Length: > 0 } user)
        {
            return SaslStep.Fail("SCRAM: bad user name");
        }

        AuthenticationId = user;
        _credentials = _lookup(user);
        var salt = _credentials?.Salt ?? SHA256.HashData(Encoding.UTF8.GetBytes("posthorn-scram-fake:" + user))[..16];
        var iterations = _credentials?.Iterations ?? DefaultIterations;
        _nonceValue = attributes[1][2..] + _nonce();
        _serverFirst = $"r={_nonceValue},s={Convert.ToBase64String(salt)},i={iterations}";
        _state = 1;
        return SaslStep.Ask(Encoding.UTF8.GetBytes(_serverFirst));
    }

    private SaslStep ClientFinal(string text)
    {
        var proofAt = text.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return SaslStep.Fail("SCRAM: missing proof");
        }

        var withoutProof = text[..proofAt];
        var attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || attributes[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
        {
            return SaslStep.Fail("SCRAM: channel binding data mismatch");
        }

        if (attributes[1] != "r=" + _nonceValue)
        {
            return SaslStep.Fail("SCRAM: nonce mismatch");
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(text[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return SaslStep.Fail("SCRAM: bad proof encoding");
        }

        if (_credentials is null || proof.Length != 32)
        {
            return SaslStep.Fail("SCRAM: authentication failed");
        }

        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        var clientSignature = HMACSHA256.HashData(_credentials.StoredKey, authMessage);
        var clientKey = new byte[32];
        for (var i = 0; i < 32; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), _credentials.StoredKey))
        {
            return SaslStep.Fail("SCRAM: authentication failed");
        }

        _serverSignature = HMACSHA256.HashData(_credentials.ServerKey, authMessage);
        _state = 2;
        return SaslStep.Ask(Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(_serverSignature)));
    }

    /// <summary>Undoes RFC 5802's saslname escaping ("=2C" is ",", "=3D" is "="); null when malformed.</summary>
    private static string? Unescape(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == ',')
            {
                return null;
            }

            if (value[i] != '=')
            {
                sb.Append(value[i]);
                continue;
            }

            if (i + 2 >= value.Length)
            {
                return null;
            }

            var code = value.Substring(i + 1, 2);
            if (code == "2C")
            {
                sb.Append(',');
            }
            else if (code == "3D")
            {
                sb.Append('=');
            }
            else
            {
                return null;
            }

            i += 2;
        }

        return sb.ToString();
    }
}
