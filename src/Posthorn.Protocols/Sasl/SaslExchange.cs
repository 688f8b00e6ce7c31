namespace Posthorn.Protocols.Sasl;

/// <summary>What a server must do next in an AUTH / AUTHENTICATE exchange.</summary>
public enum SaslExchangeStatus
{
    /// <summary>Send <see cref="SaslExchangeResult.Challenge"/> (base64) after "334 " or "+ " and read one more line.</summary>
    Continue,

    /// <summary>Check <see cref="SaslExchangeResult.Credentials"/> against the user database.</summary>
    VerifyPassword,

    /// <summary>The mechanism authenticated <see cref="SaslExchange.AuthenticationId"/> itself (SCRAM).</summary>
    Authenticated,

    /// <summary>Authentication failed (SMTP 535 5.7.8, POP3 -ERR [AUTH], IMAP NO [AUTHENTICATIONFAILED]).</summary>
    Failed,

    /// <summary>The client sent "*" (SMTP 501 5.0.0, POP3 -ERR, IMAP BAD).</summary>
    Cancelled,

    /// <summary>The client's line was not base64 (SMTP 501 5.5.2, POP3 -ERR, IMAP BAD).</summary>
    InvalidBase64,

    /// <summary>The mechanism is not offered (SMTP 504 5.5.4, POP3 -ERR, IMAP NO).</summary>
    UnsupportedMechanism,
}

/// <summary>One step's outcome: the base64 challenge to send, or the credentials to check.</summary>
public readonly record struct SaslExchangeResult(SaslExchangeStatus Status, string Challenge = "", SaslCredentials? Credentials = null, string? Error = null);

/// <summary>
/// One server-side SASL exchange with its wire framing, the same for SMTP AUTH (RFC 4954),
/// POP3 AUTH (RFC 5034) and IMAP AUTHENTICATE (RFC 3501 6.2.2 with SASL-IR, RFC 4959): start with
/// the mechanism name and the optional initial response exactly as the command carried it
/// ("=" for empty), then feed each response line until the status is no longer Continue.
/// </summary>
public sealed class SaslExchange
{
    private readonly SaslMechanism? _mechanism;

    private SaslExchange(SaslMechanism? mechanism) => _mechanism = mechanism;

    /// <summary>The authentication identity once known.</summary>
    public string? AuthenticationId => _mechanism?.AuthenticationId;

    /// <summary>The requested authorization identity (empty when none).</summary>
    public string AuthorizationId => _mechanism?.AuthorizationId ?? "";

    /// <summary>Starts an exchange; <paramref name="offered"/> lists the mechanisms this connection offers.</summary>
    public static (SaslExchange Exchange, SaslExchangeResult First) Start(string mechanism, string? initialResponse, IEnumerable<string> offered, Func<string, ScramCredentials?>? scramLookup = null)
    {
        if (!offered.Contains(mechanism, StringComparer.OrdinalIgnoreCase) || SaslMechanism.Create(mechanism, scramLookup) is not { } m)
        {
            return (new SaslExchange(null), new SaslExchangeResult(SaslExchangeStatus.UnsupportedMechanism));
        }

        var exchange = new SaslExchange(m);
        if (initialResponse is null)
        {
            return (exchange, Map(m.Start(null)));
        }

        var decoded = SaslFraming.DecodeInitialResponse(initialResponse);
        return (exchange, decoded.Kind switch
        {
            SaslResponseKind.Cancelled => new SaslExchangeResult(SaslExchangeStatus.Cancelled),
            SaslResponseKind.Invalid => new SaslExchangeResult(SaslExchangeStatus.InvalidBase64),
            _ => Map(m.Start(decoded.Data)),
        });
    }

    /// <summary>Feeds one response line (without CRLF).</summary>
    public SaslExchangeResult Next(string line)
    {
        if (_mechanism is null || _mechanism.IsCompleted)
        {
            return new SaslExchangeResult(SaslExchangeStatus.Failed, Error: "no exchange in progress");
        }

        var decoded = SaslFraming.DecodeResponse(line);
        return decoded.Kind switch
        {
            SaslResponseKind.Cancelled => new SaslExchangeResult(SaslExchangeStatus.Cancelled),
            SaslResponseKind.Invalid => new SaslExchangeResult(SaslExchangeStatus.InvalidBase64),
            _ => Map(_mechanism.Step(decoded.Data)),
        };
    }

    private static SaslExchangeResult Map(SaslStep step) => step.Status switch
    {
        SaslStatus.Challenge => new SaslExchangeResult(SaslExchangeStatus.Continue, SaslFraming.EncodeChallenge(step.Challenge)),
        SaslStatus.VerifyPassword => new SaslExchangeResult(SaslExchangeStatus.VerifyPassword, Credentials: step.Credentials),
        SaslStatus.Success => new SaslExchangeResult(SaslExchangeStatus.Authenticated),
        _ => new SaslExchangeResult(SaslExchangeStatus.Failed, Error: step.Error),
    };
}
