using Posthorn.Commands.Common;

namespace Posthorn.Commands.Postconf;

/// <summary>postconf's option letters as mode bits, and Postfix's checks of which go together.</summary>
[Flags]
internal enum PostconfMode
{
    None = 0,
    ShowNonDefault = 1 << 0,   // -n
    ShowDefaults = 1 << 1,     // -d
    HideName = 1 << 2,         // -h
    ShowMaps = 1 << 3,         // -m
    Edit = 1 << 4,             // -e
    ShowLocks = 1 << 5,        // -l
    Expand = 1 << 6,           // -x
    SaslServer = 1 << 7,       // -a
    SaslClient = 1 << 8,       // -A
    CommentOut = 1 << 9,       // -#
    MasterEntry = 1 << 10,     // -M
    Fold = 1 << 11,            // -f
    Exclude = 1 << 12,         // -X
    MasterField = 1 << 13,     // -F
    MainParam = 1 << 14,       // -p
    Override = 1 << 15,        // -o
    MasterParam = 1 << 16,     // -P
    HideValue = 1 << 17,       // -H
    MasterParamTwice = 1 << 18, // -PP
}

/// <summary>Parses postconf's command line and applies Postfix's option compatibility rules.</summary>
internal sealed class PostconfOptions
{
    public const string Optstring = "aAbc:C:deEfFhHlmMno:pPqtT:vxX#";

    private static readonly (PostconfMode Mode, string Name)[] Names =
    [
        (PostconfMode.SaslServer, "-a"), (PostconfMode.SaslClient, "-A"), (PostconfMode.ShowLocks, "-l"),
        (PostconfMode.ShowMaps, "-m"), (PostconfMode.MainParam, "-p"), (PostconfMode.MasterEntry, "-M"),
        (PostconfMode.MasterField, "-F"), (PostconfMode.MasterParam, "-P"), (PostconfMode.MasterParamTwice, "-PP"),
        (PostconfMode.ShowDefaults, "-d"), (PostconfMode.Edit, "-e"), (PostconfMode.ShowNonDefault, "-n"),
        (PostconfMode.CommentOut, "-#"), (PostconfMode.Exclude, "-X"), (PostconfMode.Fold, "-f"),
        (PostconfMode.Expand, "-x"), (PostconfMode.Override, "-o"), (PostconfMode.HideName, "-h"),
        (PostconfMode.HideValue, "-H"),
    ];

    private const PostconfMode Major = PostconfMode.SaslServer | PostconfMode.SaslClient | PostconfMode.ShowLocks
        | PostconfMode.ShowMaps | PostconfMode.MainParam | PostconfMode.MasterEntry | PostconfMode.MasterField
        | PostconfMode.MasterParam;

    private const PostconfMode Editing = PostconfMode.Edit | PostconfMode.CommentOut | PostconfMode.Exclude;

    private static readonly PostconfMode[] Exclusive =
    [
        Major,
        PostconfMode.MasterParamTwice | Editing,
        PostconfMode.ShowDefaults | PostconfMode.ShowNonDefault | Editing,
        PostconfMode.Fold | Editing,
        PostconfMode.Expand | Editing,
        PostconfMode.Override | PostconfMode.ShowDefaults | Editing,
        PostconfMode.HideName | PostconfMode.HideValue | Editing,
    ];

    private static readonly (PostconfMode Mode, PostconfMode Allowed)[] Compatible =
    [
        (PostconfMode.SaslServer, PostconfMode.None),
        (PostconfMode.SaslClient, PostconfMode.None),
        (PostconfMode.ShowLocks, PostconfMode.None),
        (PostconfMode.ShowMaps, PostconfMode.None),
        (PostconfMode.MainParam, Editing | PostconfMode.Fold | PostconfMode.HideName | PostconfMode.Expand
            | PostconfMode.ShowDefaults | PostconfMode.ShowNonDefault | PostconfMode.Override | PostconfMode.HideValue),
        (PostconfMode.MasterEntry, Editing | PostconfMode.Fold | PostconfMode.Override | PostconfMode.Expand),
        (PostconfMode.MasterField, PostconfMode.Edit | PostconfMode.Fold | PostconfMode.HideName | PostconfMode.Override
            | PostconfMode.Expand | PostconfMode.HideValue),
        (PostconfMode.MasterParam, PostconfMode.Edit | PostconfMode.Exclude | PostconfMode.Fold | PostconfMode.HideName
            | PostconfMode.Override | PostconfMode.Expand | PostconfMode.HideValue | PostconfMode.MasterParamTwice),
    ];

    public PostconfMode Mode { get; private set; }

    public string? ConfigDir { get; private set; }

    public List<string> Overrides { get; } = [];

    public IReadOnlyList<string> Operands { get; private set; } = [];

    public bool Has(PostconfMode m) => (Mode & m) != 0;

    /// <summary>Parses the arguments; a <see cref="UsageException"/> for unknown letters, a
    /// <see cref="PostconfException"/> for options that do not go together.</summary>
    public static PostconfOptions Parse(IReadOnlyList<string> args)
    {
        var getopt = new GetOpt(args, Optstring);
        var o = new PostconfOptions { Operands = getopt.Operands };
        foreach (var (opt, arg) in getopt.Options)
        {
            o.Mode |= opt switch
            {
                'a' => PostconfMode.SaslServer,
                'A' => PostconfMode.SaslClient,
                'd' => PostconfMode.ShowDefaults,
                'e' => PostconfMode.Edit,
                'f' => PostconfMode.Fold,
                'F' => PostconfMode.MasterField,
                '#' => PostconfMode.CommentOut,
                'h' => PostconfMode.HideName,
                'H' => PostconfMode.HideValue,
                'l' => PostconfMode.ShowLocks,
                'm' => PostconfMode.ShowMaps,
                'M' => PostconfMode.MasterEntry,
                'n' => PostconfMode.ShowNonDefault,
                'o' => PostconfMode.Override,
                'p' => PostconfMode.MainParam,
                'P' => (o.Mode & PostconfMode.MasterParam) != 0 ? PostconfMode.MasterParamTwice : PostconfMode.MasterParam,
                'x' => PostconfMode.Expand,
                'X' => PostconfMode.Exclude,
                _ => PostconfMode.None,
            };
            if (opt == 'c')
                o.ConfigDir = arg;
            else if (opt == 'o')
                o.Overrides.Add(arg!);
            else if (opt is 'b' or 't' or 'T' or 'C' or 'E' or 'j')
                throw new PostconfException($"option -{opt} is not supported");
        }
        if ((o.Mode & Major) == 0)
            o.Mode |= PostconfMode.MainParam;
        if (o.Has(PostconfMode.MainParam | PostconfMode.MasterEntry | PostconfMode.MasterField | PostconfMode.MasterParam)
            && o.Operands.Count > 0 && o.Operands[0].Contains('=', StringComparison.Ordinal))
            o.Mode |= PostconfMode.Edit;
        foreach (var set in Exclusive)
        {
            var given = o.Mode & set;
            if (given != 0 && (given & (given - 1)) != 0)
                throw new PostconfException("specify one of " + NamesOf(given));
        }
        foreach (var (mode, allowed) in Compatible)
        {
            var excess = o.Mode & ~(mode | allowed);
            if (o.Has(mode) && excess != 0)
                throw new PostconfException($"with option {NamesOf(mode)}, do not specify {NamesOf(excess)}");
        }
        if (o.Has(PostconfMode.Edit) && o.Operands.Count == 0)
            throw new PostconfException("-e requires name=value argument");
        return o;
    }

    private static string NamesOf(PostconfMode modes) =>
        string.Join(' ', Names.Where(n => (modes & n.Mode) != 0).Select(n => n.Name));
}

/// <summary>A fatal postconf error: printed as "postconf: fatal: message", exit status 1.</summary>
internal sealed class PostconfException : Exception
{
    public PostconfException(string message) : base(message) { }

    public PostconfException() { }

    public PostconfException(string message, Exception inner) : base(message, inner) { }
}
