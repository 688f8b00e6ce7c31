namespace Posthorn.Services.Cleanup;

/// <summary>What happens to the message as a whole.</summary>
public enum CleanupDispositionKind
{
    /// <summary>Queue it (possibly on hold, redirected or filtered; see the result).</summary>
    Accept,

    /// <summary>Accept it and throw it away (a DISCARD action).</summary>
    Discard,

    /// <summary>Refuse it permanently (REJECT with a 5xx status, too many hops).</summary>
    Reject,

    /// <summary>Refuse it for now (REJECT with a 4xx status, virtual alias expansion trouble).</summary>
    Defer,
}

/// <summary>The severity of a cleanup log line, as MailLog writes it.</summary>
public enum CleanupLogLevel
{
    Info,
    Warning,
}

/// <summary>One line cleanup(8) logs, without the "posthorn/cleanup[pid]: " prefix.</summary>
public readonly record struct CleanupLogEntry(CleanupLogLevel Level, string Message)
{
    /// <summary>The line as syslog shows it after the prefix ("warning: " for warnings).</summary>
    public override string ToString() => Level == CleanupLogLevel.Warning ? "warning: " + Message : Message;
}

/// <summary>
/// The outcome of cleanup(8) for one message: the disposition and the SMTP reply smtpd(8)
/// sends for it, the final envelope (sender, recipients after canonical mapping, masquerading,
/// virtual alias expansion and automatic BCC, each with its original recipient), HOLD with its
/// reason, REDIRECT and FILTER targets, the Message-ID and the log lines.
/// </summary>
public sealed record CleanupResult(
    CleanupDispositionKind Disposition,
    string? Reply,
    string Sender,
    IReadOnlyList<CleanupRecipient> Recipients,
    bool Hold,
    string? HoldReason,
    string? Redirect,
    string? Filter,
    string? MessageId,
    IReadOnlyList<CleanupLogEntry> Log);
