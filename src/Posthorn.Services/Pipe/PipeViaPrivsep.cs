using Posthorn.Services.Local;
using Posthorn.Services.Privsep;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// pipe(8) under a master started by root (docs/pipe.md, docs/design.md): the master runs as
/// mail_owner and cannot become user=, so the command is sent to the root privsep helper,
/// which runs it under setpriv as user=/group= (never root or mail_owner: PipeAttributes
/// refuses those, and the helper refuses uid and gid 0) and returns the exit status, time-out
/// and output; the agent then judges them exactly as when it runs the command itself.
/// </summary>
internal static class PipeViaPrivsep
{
    /// <summary>The helper's raw command result, or a deferral (with its reason) when it could not run.</summary>
    public static async Task<(bool Ran, bool TimedOut, int ExitStatus, string Output, StepResult Failure)> RunAsync(
        IPrivilegedDelivery privsep, PipeAttributes attrs, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment,
        TimeSpan timeLimit, byte[] input, string sender, CancellationToken cancel)
    {
        var request = new DeliverAsRequest(DeliverAsKind.Pipe, attrs.Uid, attrs.Gid, argv[0], sender, [], 0, 0, 0,
            new Dictionary<string, string>(environment, StringComparer.Ordinal), TimeLimitSeconds: timeLimit.TotalSeconds,
            WorkingDirectory: attrs.Directory, Argv: argv) { Content = input };
        var r = await privsep.DeliverAsync(request, cancel);
        return r.ExitStatus is int status
            ? (true, r.TimedOut, status, r.Output ?? "", r.ToStep())
            : (false, false, 0, "", r.ToStep());
    }
}
