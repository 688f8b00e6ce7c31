using System.Text.Json;
using System.Text.Json.Serialization;
using Posthorn.Services.Delivery;
using Posthorn.Services.Local;

namespace Posthorn.Services.Privsep;

/// <summary>
/// What a privileged delivery does: append to an mbox file, add a Maildir message, run a
/// local(8) command through the shell, or run a pipe(8) argv.
/// </summary>
public enum DeliverAsKind
{
    Mbox,
    Maildir,
    Command,
    Pipe,
}

/// <summary>
/// One delivery to perform as a user (docs/design.md, "posthorn privsep"): the account, the
/// kind, the target (a path, or the shell command), and the bytes to write or feed to the
/// command (the message with its prepended headers already in place, except the mbox From_
/// line, which the writer adds). Commands carry their complete environment. The fields travel
/// as the JSON header of a <see cref="PrivsepFrame"/>; <see cref="Content"/> travels as the
/// frame's body, not in the JSON.
/// </summary>
public sealed record DeliverAsRequest(
    DeliverAsKind Kind,
    uint Uid,
    uint Gid,
    string Target,
    string Sender,
    IReadOnlyList<string> LockMethods,
    int LockAttempts,
    double LockDelaySeconds,
    double StaleLockSeconds,
    Dictionary<string, string>? Environment = null,
    string? Shell = null,
    double TimeLimitSeconds = 0,
    string? WorkingDirectory = null,
    long SizeLimit = 0,
    IReadOnlyList<string>? Argv = null)
{
    /// <summary>The message bytes (the frame body).</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Content { get; init; }
}

/// <summary>
/// The outcome of a <see cref="DeliverAsRequest"/>: delivered, deferred or bounced, with the
/// DSN code and reason. A pipe request also returns the command's raw result (exit status,
/// whether the time limit killed it, its output) for pipe(8)'s own status mapping.
/// </summary>
public sealed record DeliverAsResponse(DeliveryOutcome Outcome, string Dsn, string Reason, int? ExitStatus = null, bool TimedOut = false, string? Output = null)
{
    public static DeliverAsResponse From(StepResult s) => new(s.Outcome, s.Dsn, s.Reason);

    public StepResult ToStep() => new(Outcome, Dsn, Reason);

    /// <summary>The answer when the helper is gone or did not understand: deferred, never lost.</summary>
    public static DeliverAsResponse Unavailable(string why) => new(DeliveryOutcome.Deferred, "4.3.0", why);
}

/// <summary>The JSON form of requests and responses in a frame header.</summary>
public static class DeliverAsJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T? Read<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<T>(json, Options);
}
