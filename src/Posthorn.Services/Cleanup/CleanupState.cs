namespace Posthorn.Services.Cleanup;

/// <summary>
/// The per-message state cleanup(8)'s pieces share (Postfix's CLEANUP_STATE): the queue id,
/// errors and their reason, HOLD/DISCARD, REDIRECT/FILTER targets, BCC recipients from
/// header/body checks, the log, and what the content action log lines need (client origin,
/// sender, the last recipient, protocol, HELO).
/// </summary>
internal sealed class CleanupState
{
    public CleanupState(CleanupEnvelope envelope)
    {
        Envelope = envelope;
        QueueId = envelope.QueueId;
        ChecksEnabled = (envelope.Flags & CleanupFlags.HeaderBodyChecks) != 0;
    }

    public CleanupEnvelope Envelope { get; }

    public string QueueId { get; }

    public List<CleanupLogEntry> Log { get; } = [];

    /// <summary>The final envelope sender (after rewriting).</summary>
    public string Sender { get; set; } = "";

    /// <summary>The last envelope recipient after rewriting (Postfix's state->recip), for log lines.</summary>
    public string? LastRecipient { get; set; }

    public CleanupDispositionKind? Error { get; private set; }

    public string? Reply { get; private set; }

    public bool Hold { get; set; }

    public string? HoldReason { get; set; }

    public bool Discard { get; set; }

    public string? Redirect { get; set; }

    public string? Filter { get; set; }

    /// <summary>header_checks/body_checks still apply (cleared by REJECT, DISCARD, REDIRECT, PASS).</summary>
    public bool ChecksEnabled { get; set; }

    public List<string> CheckBcc { get; } = [];

    /// <summary>Postfix's CLEANUP_OUT_OK(): nothing has failed yet.</summary>
    public bool OutputOk => Error is null;

    public void Info(string message) => Log.Add(new(CleanupLogLevel.Info, QueueId + ": " + message));

    public void Warn(string message) => Log.Add(new(CleanupLogLevel.Warning, message));

    /// <summary>Records a failure; the first one decides the reply, a deferral wins over a rejection.</summary>
    public void Fail(CleanupDispositionKind kind, string reply)
    {
        if (Error is null || (kind == CleanupDispositionKind.Defer && Error != CleanupDispositionKind.Defer))
        {
            Error = kind;
            Reply = reply;
        }
    }

    /// <summary>cleanup_act_log(): "QUEUEID: action: class content from origin; from=&lt;s&gt; to=&lt;r&gt; proto=P helo=&lt;h&gt;: text".</summary>
    public void ActLog(string action, string context, string content, string? text)
    {
        var client = Envelope.Client;
        var line = $"{action}: {context} {Truncate(content, 200)} from {client.LogOrigin};";
        line += $" from=<{Sender}>";
        if (LastRecipient is not null)
            line += $" to=<{LastRecipient}>";
        if (!client.IsLocalSubmission && client.Protocol.Length > 0)
            line += $" proto={client.Protocol}";
        if (client.Helo is not null)
            line += $" helo=<{client.Helo}>";
        if (!string.IsNullOrEmpty(text))
            line += ": " + text;
        Info(line);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
