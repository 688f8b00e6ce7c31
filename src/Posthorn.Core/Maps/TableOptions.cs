using Posthorn.Core.Config;

namespace Posthorn.Core.Maps;

/// <summary>
/// How a table is opened: the main.cf it reads parameters from, where load-time warnings go
/// (a table with a bad line still loads; Postfix logs <c>file, line N: ...</c> and goes on),
/// and whether fixed-string keys are folded to lower case (postmap -f turns folding off).
/// </summary>
public sealed record TableOptions(MainConfig Config, Action<string> Warn, bool FoldCase = true)
{
    /// <summary>Options that drop warnings, for tests and tools.</summary>
    public static TableOptions Quiet(MainConfig config) => new(config, _ => { });

    /// <summary>Lower-cases a fixed-string key unless folding is off for the table or the lookup.</summary>
    public string Fold(string key, LookupFlags flags) =>
        FoldCase && (flags & LookupFlags.NoFold) == 0 ? key.ToLowerInvariant() : key;
}
