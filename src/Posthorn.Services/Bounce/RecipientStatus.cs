namespace Posthorn.Services.Bounce;

/// <summary>DSN NOTIFY bits (RFC 3461) as a recipient carries them; None means "not specified".</summary>
[Flags]
public enum DsnNotify
{
    None = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>
/// One recipient's delivery outcome as the bounce, defer and trace logs keep it: the address,
/// the address it was expanded from, the DSN ORCPT, NOTIFY, the enhanced status (5.1.1), the DSN
/// action (failed, delayed, delivered, relayed, expanded), the human reason, and the remote MTA
/// and its diagnostic when the status came from another server.
/// </summary>
public sealed record RecipientStatus(
    string Address,
    string Status,
    string Action,
    string Reason,
    string? OriginalAddress = null,
    string? DsnOriginalRecipient = null,
    DsnNotify Notify = DsnNotify.None,
    string? RemoteMtaType = null,
    string? RemoteMta = null,
    string? DiagnosticType = null,
    string? DiagnosticText = null);
