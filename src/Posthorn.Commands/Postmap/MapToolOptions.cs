using Posthorn.Commands.Common;

namespace Posthorn.Commands.Postmap;

/// <summary>
/// The command line shared by postmap(1) and postalias(1): <c>-q key</c>, <c>-d key</c>,
/// <c>-s</c>, <c>-i</c>, <c>-f</c>, <c>-F</c>, <c>-r</c>, <c>-w</c>, <c>-p</c>, <c>-b</c>,
/// <c>-h</c>, <c>-m</c>, <c>-c dir</c>; <c>-N -n -o -u -U -v</c> are accepted (see
/// docs/tables.md for what they change in Posthorn).
/// </summary>
internal sealed record MapToolOptions
{
    public required bool Aliases { get; init; }
    public string? ConfigDir { get; init; }
    public string? QueryKey { get; init; }
    public string? DeleteKey { get; init; }
    public bool Sequence { get; init; }
    public bool Incremental { get; init; }
    public bool NoFold { get; init; }
    public bool Base64Files { get; init; }
    public bool Replace { get; init; }
    public bool IgnoreDuplicates { get; init; }
    public bool DefaultPermissions { get; init; }
    public bool HeaderKeys { get; init; }
    public bool BodyKeys { get; init; }
    public IReadOnlyList<string> Maps { get; init; } = [];

    public const string PostmapUsage = "usage: postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [map_type:]file...";
    public const string PostaliasUsage = "usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file...";

    /// <summary>Parses the arguments; a usage problem is a <see cref="UsageException"/> with Postfix's message.</summary>
    public static MapToolOptions Parse(IReadOnlyList<string> args, bool aliases)
    {
        var usage = aliases ? PostaliasUsage : PostmapUsage;
        GetOpt o;
        try
        {
            o = new GetOpt(args, aliases ? "Nc:d:finopq:rsuUvw" : "Nbc:d:fFhimnopq:rsuUvw");
        }
        catch (UsageException)
        {
            throw new UsageException(usage);
        }
        if (o.Operands.Count == 0)
            throw new UsageException(usage);
        int modes = (o.Has('q') ? 1 : 0) + (o.Has('d') ? 1 : 0) + (o.Has('s') ? 1 : 0);
        if (modes > 1)
            throw new UsageException("specify only one of -s or -q or -d");
        return new MapToolOptions
        {
            Aliases = aliases,
            ConfigDir = o.Value('c'),
            QueryKey = o.Value('q'),
            DeleteKey = o.Value('d'),
            Sequence = o.Has('s'),
            Incremental = o.Has('i'),
            NoFold = o.Has('f'),
            Base64Files = o.Has('F'),
            Replace = o.Has('r'),
            IgnoreDuplicates = o.Has('w'),
            DefaultPermissions = o.Has('p'),
            HeaderKeys = o.Has('h'),
            BodyKeys = o.Has('b'),
            Maps = o.Operands,
        };
    }
}
