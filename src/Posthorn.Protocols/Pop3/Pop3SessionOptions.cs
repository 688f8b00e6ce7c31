namespace Posthorn.Protocols.Pop3;

/// <summary>
/// Per-connection settings of a <see cref="Pop3Session"/>, filled by the pop3d service from
/// main.cf: the greeting banner, whether STLS is offered, whether TLS is already active, whether
/// plaintext logins are allowed without TLS (Dovecot's disable_plaintext_auth, inverted), the SASL
/// mechanisms offered, the APOP timestamp, and the error limit after which the session closes.
/// </summary>
public sealed record Pop3SessionOptions
{
    /// <summary>The greeting text after "+OK " (Dovecot: "Dovecot ready.").</summary>
    public string Banner { get; init; } = "Posthorn ready.";

    /// <summary>STLS is offered (a certificate is configured).</summary>
    public bool StlsAvailable { get; init; }

    /// <summary>The connection is already encrypted (STLS done, or pop3s).</summary>
    public bool TlsActive { get; init; }

    /// <summary>USER/PASS, PLAIN and LOGIN are allowed on an unencrypted connection.</summary>
    public bool AllowPlaintextWithoutTls { get; init; } = true;

    /// <summary>SASL mechanisms offered by AUTH and CAPA's SASL line.</summary>
    public IReadOnlyList<string> SaslMechanisms { get; init; } = ["PLAIN"];

    /// <summary>The APOP timestamp ("&lt;pid.clock@host&gt;") shown in the greeting; null disables APOP.</summary>
    public string? ApopTimestamp { get; init; }

    /// <summary>Close the connection after this many bad commands (Dovecot closes after 10).</summary>
    public int MaxBadCommands { get; init; } = 10;

    /// <summary>
    /// How long a SASL exchange that failed inside the mechanism (a wrong SCRAM proof) waits before
    /// its -ERR, as the backend waits for a wrong password (Dovecot's auth_failure_delay).
    /// </summary>
    public TimeSpan SaslFailureDelay { get; init; }

    /// <summary>Looks up SCRAM credentials when SCRAM-SHA-256 is offered.</summary>
    public Func<string, Sasl.ScramCredentials?>? ScramLookup { get; init; }
}
