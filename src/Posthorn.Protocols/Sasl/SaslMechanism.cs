namespace Posthorn.Protocols.Sasl;

/// <summary>What a SASL mechanism wants after consuming one client response.</summary>
public enum SaslStatus
{
    /// <summary>Send <see cref="SaslStep.Challenge"/> to the client and wait for its next response.</summary>
    Challenge,

    /// <summary>The mechanism has a user name and a cleartext password; the caller checks them against its user database.</summary>
    VerifyPassword,

    /// <summary>The mechanism itself proved the client's identity (SCRAM); authentication succeeded.</summary>
    Success,

    /// <summary>The exchange failed; <see cref="SaslStep.Error"/> says why (for logs, not for the client).</summary>
    Failure,
}

/// <summary>One step of a server-side SASL exchange (RFC 4422 section 3).</summary>
public readonly record struct SaslStep(SaslStatus Status, byte[]? Challenge = null, SaslCredentials? Credentials = null, string? Error = null)
{
    internal static SaslStep Fail(string error) => new(SaslStatus.Failure, Error: error);

    internal static SaslStep Ask(byte[] challenge) => new(SaslStatus.Challenge, challenge);
}

/// <summary>The identities and password that PLAIN or LOGIN carried; the authorization id is empty when the client gave none.</summary>
public sealed record SaslCredentials(string AuthorizationId, string AuthenticationId, string Password);

/// <summary>
/// A server-side SASL mechanism (RFC 4422): fed the client's decoded responses one at a time, it
/// answers with a challenge, a password to verify, success or failure. Pure: no sockets, no user
/// database; a mechanism instance serves one exchange. The wire framing (base64, "*" cancel, "="
/// for an empty initial response) is <see cref="SaslFraming"/>'s, shared by SMTP AUTH, POP3 AUTH
/// and IMAP AUTHENTICATE.
/// </summary>
public abstract class SaslMechanism
{
    /// <summary>The IANA mechanism name, e.g. PLAIN.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the mechanism sends the password in the clear (refused before TLS unless allowed).</summary>
    public abstract bool IsPlaintext { get; }

    /// <summary>The authentication identity once known.</summary>
    public string? AuthenticationId { get; protected set; }

    /// <summary>The authorization identity the client asked for (empty: the same as the authentication id).</summary>
    public string AuthorizationId { get; protected set; } = "";

    /// <summary>True once the exchange ended (success, password handed out, or failure).</summary>
    public bool IsCompleted { get; protected set; }

    /// <summary>
    /// The first step: <paramref name="initialResponse"/> is the SASL-IR / AUTH-line initial
    /// response (null when the client sent none, empty when it sent "=").
    /// </summary>
    public SaslStep Start(byte[]? initialResponse) =>
        initialResponse is null ? FirstChallenge() : Step(initialResponse);

    /// <summary>The challenge sent when the client gave no initial response.</summary>
    protected virtual SaslStep FirstChallenge() => SaslStep.Ask([]);

    /// <summary>Consumes one decoded client response.</summary>
    public SaslStep Step(ReadOnlySpan<byte> response)
    {
        if (IsCompleted)
        {
            return SaslStep.Fail("exchange already completed");
        }

        var step = Next(response);
        if (step.Status != SaslStatus.Challenge)
        {
            IsCompleted = true;
        }

        return step;
    }

    /// <summary>Mechanism-specific processing of one response.</summary>
    protected abstract SaslStep Next(ReadOnlySpan<byte> response);

    /// <summary>Creates a mechanism by name (case-insensitive); null for an unknown or unconfigured one.</summary>
    public static SaslMechanism? Create(string name, Func<string, ScramCredentials?>? scramLookup = null) =>
        name.ToUpperInvariant() switch
        {
            "PLAIN" => new PlainMechanism(),
            "LOGIN" => new LoginMechanism(),
            "SCRAM-SHA-256" when scramLookup is not null => new ScramSha256Mechanism(scramLookup),
            _ => null,
        };
}
