namespace Posthorn.Commands.Common;

/// <summary>
/// POSIX getopt as Postfix's commands use it, with GNU argument permutation: option letters
/// may be bundled (<c>-nc DIR</c>), an option argument may be attached (<c>-c/etc/x</c>) or
/// follow, and <c>--</c> ends the options. An unknown letter or a missing argument is a
/// <see cref="UsageException"/>.
/// </summary>
public sealed class GetOpt
{
    private readonly List<(char Option, string? Argument)> _options = [];
    private readonly List<string> _operands = [];

    public GetOpt(IReadOnlyList<string> args, string optstring, bool permute = true)
    {
        bool done = false;
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (done || a.Length < 2 || a[0] != '-')
            {
                _operands.Add(a);
                if (!permute)
                    done = true;
                continue;
            }
            if (a == "--")
            {
                done = true;
                continue;
            }
            for (int j = 1; j < a.Length; j++)
            {
                char c = a[j];
                int k = optstring.IndexOf(c, StringComparison.Ordinal);
                if (k < 0 || c == ':')
                    throw new UsageException($"invalid option -- '{c}'");
                bool takesArg = k + 1 < optstring.Length && optstring[k + 1] == ':';
                if (!takesArg)
                {
                    _options.Add((c, null));
                    continue;
                }
                if (j + 1 < a.Length)
                {
                    _options.Add((c, a[(j + 1)..]));
                }
                else if (i + 1 < args.Count)
                {
                    _options.Add((c, args[++i]));
                }
                else
                {
                    throw new UsageException($"option requires an argument -- '{c}'");
                }
                break;
            }
        }
    }

    /// <summary>Options in the order given.</summary>
    public IReadOnlyList<(char Option, string? Argument)> Options => _options;

    /// <summary>The non-option arguments.</summary>
    public IReadOnlyList<string> Operands => _operands;

    public bool Has(char option) => _options.Exists(o => o.Option == option);

    public int Count(char option) => _options.Count(o => o.Option == option);

    /// <summary>The last argument given to the option, or null.</summary>
    public string? Value(char option) => _options.LastOrDefault(o => o.Option == option).Argument;

    public IEnumerable<string> Values(char option) =>
        _options.Where(o => o.Option == option && o.Argument is not null).Select(o => o.Argument!);
}

/// <summary>A command-line usage error: the command prints a one-line usage message and exits 64 (EX_USAGE).</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    public UsageException() { }

    public UsageException(string message, Exception inner) : base(message, inner) { }
}
