using System.Globalization;
using Posthorn.Commands.Common;
using Posthorn.Services.Privsep;

namespace Posthorn.Commands.Privsep;

/// <summary>
/// <c>posthorn privsep [-n threads]</c>, the hidden root helper of privilege separation
/// (docs/design.md, docs/local.md): the master starts it before dropping privileges and sends
/// it framed delivery requests on standard input; answers go to standard output
/// (<see cref="PrivsepHelper"/>). <c>-n</c> bounds its mailbox-writing threads (the master
/// passes default_process_limit). Not meant to be run by hand.
/// </summary>
internal static class PrivsepCommand
{
    public static int Run(CommandContext ctx)
    {
        GetOpt opts;
        try
        {
            opts = new GetOpt(ctx.Args, "n:");
        }
        catch (UsageException)
        {
            return ctx.Usage("privsep [-n threads]");
        }
        int threads = 100;
        if (opts.Operands.Count != 0
            || (opts.Value('n') is { } n && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads < 1)))
            return ctx.Usage("privsep [-n threads]");
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        // A Ctrl-C or a SIGTERM to the whole process group is for the master: the helper ends
        // when the master closes its pipe, after the last delivery it was given.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => c.Cancel = true);
        using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, c => c.Cancel = true);
        return PrivsepHelper.Run(input, output, threads);
    }
}
