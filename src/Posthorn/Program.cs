using System.Text;
using Posthorn.Commands;
using Posthorn.Commands.Common;

// The multi-call executable: `postconf ...` through a link named postconf, or `posthorn postconf ...`.
var invokedAs = Path.GetFileName(InvokedName.Get());
var argv = Environment.GetCommandLineArgs().Skip(1).ToList();
string name = invokedAs;
if (CommandRegistry.Find(invokedAs) is null)
{
    if (argv.Count == 0 || argv[0] is "--help" or "-h" or "help")
    {
        PrintHelp(Console.Out);
        return argv.Count == 0 ? ExitCodes.Usage : ExitCodes.Ok;
    }
    if (argv[0] is "--version")
    {
        Console.WriteLine("posthorn " + Posthorn.Core.Config.MailVersion.Current);
        return ExitCodes.Ok;
    }
    name = argv[0];
    argv.RemoveAt(0);
}
var command = CommandRegistry.Find(name);
if (command is null)
{
    Console.Error.WriteLine($"posthorn: unknown command: {name} (posthorn --help lists the commands)");
    return ExitCodes.Usage;
}
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 65536) { AutoFlush = false };
var stderr = new StreamWriter(Console.OpenStandardError(), new UTF8Encoding(false)) { AutoFlush = true };
try
{
    return command.Run(new CommandContext(name, argv, Console.In, stdout, stderr));
}
finally
{
    stdout.Flush();
}

static void PrintHelp(TextWriter o)
{
    o.WriteLine("usage: posthorn COMMAND [ARGS...]   (or run a link named COMMAND)");
    o.WriteLine("commands:");
    foreach (var c in CommandRegistry.All.Where(c => !c.Hidden))
        o.WriteLine($"  {c.Name,-12} {c.Summary}");
}

/// <summary>argv[0] as the process was started, which .NET's apphost does not pass on.</summary>
internal static class InvokedName
{
    public static string Get()
    {
        try
        {
            var bytes = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(bytes, (byte)0);
            return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
        }
        catch (IOException)
        {
            return Environment.ProcessPath ?? "posthorn";
        }
    }
}
