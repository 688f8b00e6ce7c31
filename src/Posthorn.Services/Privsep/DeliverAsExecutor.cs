using Posthorn.Services.Local;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Performs a <see cref="DeliverAsRequest"/> in the current process, which runs as the
/// recipient (the <c>posthorn deliver-as</c> command under setpriv): an mbox append through
/// MailStore's MboxWriter with the request's locks, a Maildir delivery, or a command through
/// <see cref="CommandRunner"/>. Failures become results with Postfix's texts, never exceptions.
/// </summary>
public static class DeliverAsExecutor
{
    public static async Task<DeliverAsResponse> RunAsync(DeliverAsRequest r, CancellationToken cancel)
    {
        switch (r.Kind)
        {
            case DeliverAsKind.Command:
                var result = await CommandRunner.RunAsync(r.Target, r.Content, r.Environment ?? [], r.Shell ?? "/bin/sh",
                    TimeSpan.FromSeconds(r.TimeLimitSeconds), rights: null, r.WorkingDirectory, cancel);
                return DeliverAsResponse.From(result);
            case DeliverAsKind.Maildir:
                try
                {
                    using var s = new MemoryStream(r.Content, writable: false);
                    MaildirWriter.Deliver(r.Target.TrimEnd('/'), s, DateTimeOffset.Now);
                    return new(Delivery.DeliveryOutcome.Delivered, "2.0.0", "delivered to maildir");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return DeliverAsResponse.From(StepResult.Failed("5.2.0", $"maildir delivery failed: {e.Message}"));
                }
            default:
                try
                {
                    var methods = r.LockMethods.Select(m => m switch
                    {
                        "flock" => LockMethod.Flock,
                        "dotlock" => LockMethod.Dotlock,
                        _ => LockMethod.Fcntl,
                    }).ToList();
                    var options = new MailboxLockOptions(methods, Math.Max(1, r.LockAttempts), TimeSpan.FromSeconds(r.LockDelaySeconds), TimeSpan.FromSeconds(r.StaleLockSeconds));
                    if (r.SizeLimit > 0 && (File.Exists(r.Target) ? new FileInfo(r.Target).Length : 0) + r.Content.Length + MboxWriter.FromLine(r.Sender, DateTime.Now).Length + 1 > r.SizeLimit)
                        return new(Delivery.DeliveryOutcome.Bounced, "5.2.2", $"cannot append message to file {r.Target}: File too large");
                    using var s = new MemoryStream(r.Content, writable: false);
                    MboxWriter.Append(r.Target, r.Sender, DateTime.Now, s, options, cancel);
                    return new(Delivery.DeliveryOutcome.Delivered, "2.0.0", "delivered to mailbox");
                }
                catch (MailboxLockException e)
                {
                    return new(Delivery.DeliveryOutcome.Deferred, "4.2.0", e.Message);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new(Delivery.DeliveryOutcome.Bounced, "5.2.0", $"cannot open file: {e.Message}");
                }
        }
    }

    /// <summary>The lock parameters of a request from the agent's MailStore options.</summary>
    public static (IReadOnlyList<string> Methods, int Attempts, double Delay, double Stale) LockFields(MailboxLockOptions o) =>
        (o.Methods.Select(m => m.ToString().ToLowerInvariant()).ToList(), o.Attempts, o.Delay.TotalSeconds, o.StaleLockTime.TotalSeconds);
}
