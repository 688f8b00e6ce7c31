namespace Posthorn.Services.Delivery;

/// <summary>
/// A delivery agent (local, virtual, smtp, lmtp, pipe, error, discard, retry): delivers one
/// request and reports each recipient. It never marks queue files itself and never throws for
/// a delivery problem: a failure is a Deferred or Bounced result with the reason. The queue
/// manager finds agents by master.cf service name through the master's ServiceDirectory
/// (<c>Register&lt;IDeliveryAgent&gt;(entry.Name, agent)</c>).
/// </summary>
public interface IDeliveryAgent
{
    ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Puts a new message into the queue through cleanup, as Postfix's post_mail()/cleanup service
/// does for bounces, local forwarding (aliases and .forward to remote addresses) and pickup:
/// header rewriting, canonical and virtual mapping, then a durable queue file in incoming, then a
/// qmgr trigger. Returns the new queue id, or throws when the message could not be queued.
/// </summary>
public interface IMailSubmitter
{
    ValueTask<string> SubmitAsync(MailSubmission submission, CancellationToken cancellationToken);
}

/// <summary>A message to submit: envelope, content (header and body, LF or CRLF), and where it comes from.</summary>
public sealed record MailSubmission(
    string Sender,
    IReadOnlyList<DeliveryRecipient> Recipients,
    Stream Content,
    string Origin,
    string? EnvelopeId = null,
    Bounce.DsnReturn? Return = null);
