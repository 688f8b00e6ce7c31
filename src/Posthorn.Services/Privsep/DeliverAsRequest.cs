using System.Text.Json;
using Posthorn.Services.Delivery;
using Posthorn.Services.Local;

namespace Posthorn.Services.Privsep;

/// <summary>What a privileged delivery does: append to an mbox file, add a Maildir message, or run a command.</summary>
public enum DeliverAsKind
{
    Mbox,
    Maildir,
    Command,
}

/// <summary>
/// One delivery to perform as a user (docs/design.md, "posthorn deliver-as"): the account, the
/// kind, the target, and the bytes to write (the message with its From_ line or prepended
/// headers already in place, except the mbox From_ line, which the writer adds). Commands carry
/// their complete environment, since deliver-as starts with an empty one. Sent as one JSON
/// line; the answer is a <see cref="DeliverAsResponse"/> line.
/// </summary>
public sealed record DeliverAsRequest(
    DeliverAsKind Kind,
    uint Uid,
    uint Gid,
    string Target,
    string Sender,
    byte[] Content,
    IReadOnlyList<string> LockMethods,
    int LockAttempts,
    double LockDelaySeconds,
    double StaleLockSeconds,
    Dictionary<string, string>? Environment = null,
    string? Shell = null,
    double TimeLimitSeconds = 0,
    string? WorkingDirectory = null,
    long SizeLimit = 0);

/// <summary>The outcome of a <see cref="DeliverAsRequest"/>: delivered, deferred or bounced, with the DSN code and reason.</summary>
public sealed record DeliverAsResponse(DeliveryOutcome Outcome, string Dsn, string Reason)
{
    public static DeliverAsResponse From(StepResult s) => new(s.Outcome, s.Dsn, s.Reason);

    public StepResult ToStep() => new(Outcome, Dsn, Reason);
}

/// <summary>One JSON document a line, as the privsep pipes carry them.</summary>
public static class DeliverAsJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Read<T>(string line) => JsonSerializer.Deserialize<T>(line, Options);
}
