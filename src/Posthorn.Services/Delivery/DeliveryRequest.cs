using Posthorn.Services.Bounce;

namespace Posthorn.Services.Delivery;

/// <summary>
/// One recipient of a delivery request: its index in the queue file (so the queue manager can
/// mark it done in place), the address to deliver to, the address it was expanded from, and its
/// DSN ORCPT and NOTIFY.
/// </summary>
public sealed record DeliveryRecipient(
    int Index,
    string Address,
    string? OriginalRecipient = null,
    string? DsnOriginalRecipient = null,
    DsnNotify Notify = DsnNotify.None);

/// <summary>
/// What qmgr(8) hands a delivery agent (Postfix's DELIVER_REQUEST): one message, one transport
/// and nexthop, a group of recipients. <see cref="OpenContent"/> opens the message (header and
/// body, as received, CRLF line ends) from the queue file; the agent reads it as often as it
/// needs. The client attributes are those cleanup recorded, for pipe's ${client_address} and the
/// like. An agent that delivers recipients one after another calls <see cref="RecipientDone"/>
/// as each one is finished (delivered or bounced), so the queue manager marks it done in the
/// queue file at once, as Postfix's agents call deliver_completed(); a crash later in the
/// request then never delivers it again. The final result still lists every recipient.
/// </summary>
public sealed record DeliveryRequest(
    string QueueId,
    string Transport,
    string Nexthop,
    string Sender,
    DateTimeOffset ArrivalTime,
    IReadOnlyList<DeliveryRecipient> Recipients,
    Func<Stream> OpenContent,
    long ContentSize,
    DsnReturn Return = DsnReturn.Full,
    string? EnvelopeId = null,
    bool EightBit = false,
    bool SmtpUtf8 = false,
    string? ClientName = null,
    string? ClientAddress = null,
    string? ClientHelo = null,
    string? ClientProtocol = null,
    string? SaslUsername = null,
    bool Verbose = false,
    Action<RecipientResult>? RecipientDone = null);

/// <summary>How a delivery attempt ended for one recipient.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Deferred,
    Bounced,
}

/// <summary>
/// One recipient's result, with what the log line (<c>to=&lt;...&gt;, relay=..., dsn=..., status=... (reason)</c>)
/// and a delivery status notification need.
/// </summary>
public sealed record RecipientResult(
    DeliveryRecipient Recipient,
    DeliveryOutcome Outcome,
    string DsnStatus,
    string Reason,
    string Relay,
    string? RemoteMta = null,
    string? DiagnosticType = null,
    string? DiagnosticText = null,
    string DsnAction = "")
{
    /// <summary>
    /// local(8)'s deliveries for addresses an alias, .forward or :include: expanded this recipient
    /// into: each is logged as its own <c>to=&lt;member&gt;, orig_to=&lt;recipient&gt;</c> record, as
    /// Postfix's local(8) logs them; null when the recipient was delivered as itself.
    /// </summary>
    public IReadOnlyList<ExpandedResult>? Expanded { get; init; }
}

/// <summary>One delivery made for an expanded address (see <see cref="RecipientResult.Expanded"/>).</summary>
public sealed record ExpandedResult(string Address, DeliveryOutcome Outcome, string DsnStatus, string Reason);

/// <summary>
/// The agent's answer: per-recipient results, and whether the destination as a whole failed
/// (could not connect, dropped the session), which feeds the queue manager's concurrency
/// feedback and dead-destination throttling.
/// </summary>
public sealed record DeliveryResult(IReadOnlyList<RecipientResult> Recipients, bool SiteFailed = false, string? SiteReason = null);
