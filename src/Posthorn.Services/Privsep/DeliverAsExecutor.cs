using System.Runtime.InteropServices;
using Posthorn.Services.Local;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Privsep;

/// <summary>
/// Performs a <see cref="DeliverAsRequest"/> inside the privsep helper. Mbox and Maildir
/// requests (<see cref="DeliverFile"/>) run synchronously on a thread whose filesystem
/// credentials are already the recipient's (<see cref="ThreadCredentials"/>), through the same
/// MailStore writers the unprivileged path uses: an mbox append with the request's locks and
/// size limit, or a Maildir delivery. Command requests run <see cref="CommandRunner"/> under
/// setpriv as the user with exactly the request's environment. Failures become results with
/// Postfix's texts, never exceptions.
/// </summary>
public static class DeliverAsExecutor
{
    /// <summary>An mbox or Maildir delivery, run as the recipient by the calling (switched) thread.</summary>
    public static DeliverAsResponse DeliverFile(DeliverAsRequest r)
    {
        if (r.Kind == DeliverAsKind.Maildir)
        {
            try
            {
                using var s = Open(r.Content);
                MaildirWriter.Deliver(r.Target.TrimEnd('/'), s, DateTimeOffset.Now);
                return new(Delivery.DeliveryOutcome.Delivered, "2.0.0", "delivered to maildir");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return DeliverAsResponse.From(StepResult.Failed(Dsn(e), $"maildir delivery failed: {e.Message}"));
            }
        }
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
            using var s = Open(r.Content);
            MboxWriter.Append(r.Target, r.Sender, DateTime.Now, s, options);
            return new(Delivery.DeliveryOutcome.Delivered, "2.0.0", "delivered to mailbox");
        }
        catch (MailboxLockException e)
        {
            return new(Delivery.DeliveryOutcome.Deferred, "4.2.0", e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DeliverAsResponse.From(StepResult.Failed(Dsn(e), $"cannot open file: {e.Message}"));
        }
    }

    /// <summary>A local(8) command: the shell under setpriv as the user, with the request's environment.</summary>
    public static async Task<DeliverAsResponse> RunCommandAsync(DeliverAsRequest r, CancellationToken cancel)
    {
        var rights = new LocalUser("", r.Uid, r.Gid, "/", "");
        var result = await CommandRunner.RunAsync(r.Target, r.Content.ToArray(), r.Environment ?? [], r.Shell ?? "/bin/sh",
            TimeSpan.FromSeconds(r.TimeLimitSeconds), rights, r.WorkingDirectory, cancel);
        return DeliverAsResponse.From(result);
    }

    /// <summary>The lock parameters of a request from the agent's MailStore options.</summary>
    public static (IReadOnlyList<string> Methods, int Attempts, double Delay, double Stale) LockFields(MailboxLockOptions o) =>
        (o.Methods.Select(m => m.ToString().ToLowerInvariant()).ToList(), o.Attempts, o.Delay.TotalSeconds, o.StaleLockTime.TotalSeconds);

    private static MemoryStream Open(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var seg) && seg.Array is not null
            ? new MemoryStream(seg.Array, seg.Offset, seg.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    /// <summary>mbox_dsn(): running out of space is temporary, a full quota 5.2.2, other errors 5.2.0.</summary>
    private static string Dsn(Exception e) => e.HResult switch
    {
        28 => "4.3.0",   // ENOSPC
        122 => "5.2.2",  // EDQUOT
        _ => "5.2.0",
    };
}
