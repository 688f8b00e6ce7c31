namespace Posthorn.Services.Cleanup;

/// <summary>
/// What a receiver (smtpd, pickup, bounce) hands to <see cref="CleanupQueueWriter"/> for one
/// message: the envelope as received, the client, the ESMTP/DSN details kept in the queue file
/// (RFC 3461 ENVID and RET, RFC 1652 BODY, RFC 6531 SMTPUTF8), and the actions an smtpd access
/// table left for this transaction (DISCARD, HOLD, REDIRECT, FILTER, BCC, PREPEND; see
/// access(5)), which cleanup carries out as Postfix's cleanup(8) does for smtpd's requests.
/// </summary>
public sealed record CleanupSubmission(
    string Sender,
    IReadOnlyList<CleanupRecipient> Recipients,
    CleanupClient Client,
    bool LocalHeaderRewrite)
{
    /// <summary>The arrival time; the current time when null.</summary>
    public DateTimeOffset? ArrivalTime { get; init; }

    /// <summary>The sender's full name (local submission).</summary>
    public string? FullName { get; init; }

    public CleanupFlags Flags { get; init; } = CleanupFlags.Default;

    /// <summary>content_filter of the receiving service.</summary>
    public string? ContentFilter { get; init; }

    /// <summary>DSN ENVID (xtext already decoded).</summary>
    public string? DsnEnvid { get; init; }

    /// <summary>DSN RET: "FULL" or "HDRS".</summary>
    public string? DsnRet { get; init; }

    /// <summary>The "encoding" attribute: "7bit" or "8bit" (BODY=8BITMIME), or null when undeclared.</summary>
    public string? Encoding { get; init; }

    public bool SmtpUtf8 { get; init; }

    /// <summary>Extra envelope attributes (client_port, sasl_method ...).</summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    /// <summary>An access table said DISCARD: accept and throw away.</summary>
    public bool Discard { get; init; }

    /// <summary>An access table said HOLD (with this reason); "" for HOLD without text.</summary>
    public string? HoldReason { get; init; }

    /// <summary>An access table said REDIRECT user@domain.</summary>
    public string? Redirect { get; init; }

    /// <summary>An access table said FILTER transport:destination.</summary>
    public string? Filter { get; init; }

    /// <summary>BCC recipients from access tables.</summary>
    public IReadOnlyList<string> Bcc { get; init; } = [];

    /// <summary>PREPEND header lines from access tables, placed after the Received: header.</summary>
    public IReadOnlyList<string> Prepend { get; init; } = [];
}
