namespace Posthorn.Commands.Common;

/// <summary>
/// What a command runs with: its name (argv[0] as invoked), its arguments, and the standard
/// streams, so tests can run a command in memory.
/// </summary>
public sealed class CommandContext
{
    public CommandContext(string name, IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        Name = name;
        Args = args;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;
    }

    public string Name { get; }

    public IReadOnlyList<string> Args { get; }

    public TextReader Stdin { get; }

    public TextWriter Stdout { get; }

    public TextWriter Stderr { get; }

    /// <summary>Prints "NAME: fatal: message" as Postfix's msg_fatal does and returns exit status 1.</summary>
    public int Fatal(string message, int status = ExitCodes.Fatal)
    {
        Stderr.WriteLine($"{Name}: fatal: {message}");
        return status;
    }

    public void Warning(string message) => Stderr.WriteLine($"{Name}: warning: {message}");

    /// <summary>Prints a one-line usage message and returns 64 (EX_USAGE).</summary>
    public int Usage(string usage, string? problem = null)
    {
        // One line, as the multi-call contract asks: the problem (if any) and the synopsis.
        Stderr.WriteLine(problem is null ? $"{Name}: usage: {Name} {usage}" : $"{Name}: {problem}; usage: {Name} {usage}");
        return ExitCodes.Usage;
    }
}
