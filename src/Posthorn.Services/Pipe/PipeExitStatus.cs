using Posthorn.Services.Delivery;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// How pipe_command(3) judges a finished command: exit 0 delivered ("delivered via SERVICE
/// service (output)"); otherwise output starting with "D.S.N text" decides; else a sysexits.h
/// code with its text and DSN (EX_TEMPFAIL and EX_OSERR defer, the rest bounce); else
/// "Command died with status N"; a time-out bounces with "Command time limit exceeded".
/// </summary>
internal static class PipeExitStatus
{
    private static readonly Dictionary<int, (string Dsn, string Text)> SysExits = new()
    {
        [64] = ("5.3.0", "command line usage error"),
        [65] = ("5.6.0", "data format error"),
        [66] = ("5.3.0", "cannot open input"),
        [67] = ("5.1.1", "user unknown"),
        [68] = ("5.1.2", "host name unknown"),
        [69] = ("5.3.0", "service unavailable"),
        [70] = ("5.3.0", "internal software error"),
        [71] = ("4.3.0", "system resource problem"),
        [72] = ("5.3.0", "critical OS file missing"),
        [73] = ("5.2.0", "can't create user output file"),
        [74] = ("5.3.0", "input/output error"),
        [75] = ("4.3.0", "temporary failure"),
        [76] = ("5.5.0", "remote error in protocol"),
        [77] = ("5.7.0", "permission denied"),
        [78] = ("5.3.5", "local configuration error"),
    };

    public sealed record Verdict(DeliveryOutcome Outcome, string Status, string Reason, string Action);

    public static Verdict Evaluate(bool timedOut, int exitCode, string output, string command, string service, bool finalDelivery)
    {
        string Output() => output.Length > 0 ? ". Command output: " + output : "";
        if (timedOut)
            return Bounce("5.3.0", $"Command time limit exceeded: \"{command}\"{Output()}");
        if (exitCode == 0)
            return new Verdict(DeliveryOutcome.Delivered, "2.0.0",
                $"delivered via {service} service" + (output.Length > 0 ? $" ({Truncate(output, 100)})" : ""),
                finalDelivery ? "delivered" : "relayed");
        if (exitCode > 128)
            return new Verdict(DeliveryOutcome.Deferred, "4.3.0", $"Command died with signal {exitCode - 128}: \"{command}\"{Output()}", "delayed");
        if (DsnPrefix(output) is { } dsn)
        {
            var text = output[dsn.Length..].TrimStart();
            return dsn[0] == '4' ? new Verdict(DeliveryOutcome.Deferred, dsn, text, "delayed") : Bounce(dsn, text);
        }
        if (SysExits.TryGetValue(exitCode, out var se))
        {
            var reason = se.Text + Output();
            return se.Dsn[0] == '4' ? new Verdict(DeliveryOutcome.Deferred, se.Dsn, reason, "delayed") : Bounce(se.Dsn, reason);
        }
        return Bounce("5.3.0", $"Command died with status {exitCode}: \"{command}\"{Output()}");
    }

    private static Verdict Bounce(string dsn, string reason) => new(DeliveryOutcome.Bounced, dsn, reason, "failed");

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n];

    /// <summary>"4.x.y" or "5.x.y" at the start of the output, followed by a space.</summary>
    private static string? DsnPrefix(string output)
    {
        int sp = output.IndexOf(' ', StringComparison.Ordinal);
        var word = sp < 0 ? output : output[..sp];
        var parts = word.Split('.');
        if (parts.Length != 3 || word[0] is not ('4' or '5') || parts[0].Length != 1)
            return null;
        return parts.Skip(1).All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit)) ? word : null;
    }
}
