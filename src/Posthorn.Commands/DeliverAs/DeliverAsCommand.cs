using Posthorn.Commands.Common;
using Posthorn.Services.Privsep;

namespace Posthorn.Commands.DeliverAs;

/// <summary>
/// The two hidden commands of privilege separation (docs/design.md, docs/local.md):
/// <c>posthorn deliver-as</c> runs as the recipient under setpriv, reads one delivery request
/// line on standard input, performs it and writes one answer line; <c>posthorn privsep</c> is
/// the root helper the master starts before dropping privileges, which runs deliver-as for
/// each request. Neither is meant to be run by hand.
/// </summary>
internal static class DeliverAsCommand
{
    public static int Run(CommandContext ctx)
    {
        if (ctx.Args.Count != 0)
            return ctx.Usage("deliver-as");
        var line = ctx.Stdin.ReadLine();
        if (line is null)
            return ctx.Fatal("no delivery request on standard input");
        DeliverAsRequest? request;
        try
        {
            request = DeliverAsJson.Read<DeliverAsRequest>(line);
        }
        catch (System.Text.Json.JsonException e)
        {
            return ctx.Fatal($"bad delivery request: {e.Message}");
        }
        if (request is null)
            return ctx.Fatal("bad delivery request");
        var response = DeliverAsExecutor.RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
        ctx.Stdout.WriteLine(DeliverAsJson.Write(response));
        ctx.Stdout.Flush();
        return 0;
    }

    public static int RunPrivsep(CommandContext ctx)
    {
        if (ctx.Args.Count != 0)
            return ctx.Usage("privsep");
        var exe = Environment.ProcessPath;
        if (exe is null)
            return ctx.Fatal("cannot find my own executable");
        return PrivsepHelper.RunAsync(ctx.Stdin, ctx.Stdout, exe).GetAwaiter().GetResult();
    }
}
