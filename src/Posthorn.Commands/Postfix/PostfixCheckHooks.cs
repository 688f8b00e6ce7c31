using Posthorn.Core.Config;

namespace Posthorn.Commands.Postfix;

/// <summary>
/// Checks that other parts of Posthorn contribute to <c>postfix check</c>. The maps developer
/// fills in <see cref="TableTypes"/> (every "type:name" in main.cf and master.cf -o overrides
/// names a supported table type whose file exists).
/// </summary>
internal static class PostfixCheckHooks
{
    /// <summary>Problems with lookup table references; none are checked yet.</summary>
    public static IEnumerable<CheckProblem> TableTypes(MainConfig main, MasterCfFile? master) => [];
}
