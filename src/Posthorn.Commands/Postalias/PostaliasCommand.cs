using Posthorn.Commands.Common;
using Posthorn.Commands.Postmap;

namespace Posthorn.Commands.Postalias;

/// <summary>postalias(1): build, query, update or list aliases(5) databases; default type from default_database_type.</summary>
internal static class PostaliasCommand
{
    public static int Run(CommandContext ctx) => MapTool.Run(ctx, aliases: true);
}
