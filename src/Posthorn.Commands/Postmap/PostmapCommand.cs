using Posthorn.Commands.Common;

namespace Posthorn.Commands.Postmap;

/// <summary>postmap(1): create, query, update or list Postfix lookup tables (docs/tables.md).</summary>
internal static class PostmapCommand
{
    public static int Run(CommandContext ctx) => MapTool.Run(ctx, aliases: false);
}
