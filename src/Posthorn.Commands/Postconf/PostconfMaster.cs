using Posthorn.Commands.Common;
using Posthorn.Core.Config;

namespace Posthorn.Commands.Postconf;

/// <summary>
/// postconf's master.cf side: -M [service[/type]...] prints entries (-f folded), -F
/// [service[/type[/field]]...] prints one field a line as name/type/field = value, -P
/// [service[/type[/parameter]]...] prints each -o override as name/type/parameter = value; "*"
/// or a missing part matches anything. With -e/-X/-# the same selectors edit master.cf
/// (MasterCfEditor). Unused -o parameters draw Postfix's warning.
/// </summary>
internal static class PostconfMaster
{
    public static int Show(CommandContext ctx, PostconfOptions opts, string dir)
    {
        var masterPath = Path.Combine(dir, "master.cf");
        var master = MasterCfFile.Load(masterPath);
        var config = PostconfCommand.LoadMain(dir, opts);
        PostconfCommand.WarnParseProblems(ctx, config);
        PostconfCommand.WarnReadOnly(ctx, config);
        var table = new PostconfParameters(config, master, false, ctx.Warning);
        bool fold = opts.Has(PostconfMode.Fold);
        bool hideName = opts.Has(PostconfMode.HideName), hideValue = opts.Has(PostconfMode.HideValue);
        Func<string, string>? expander(MasterService s) =>
            opts.Has(PostconfMode.Expand) ? v => s.ConfigFor(config).Expand(v) : null;

        var requests = opts.Operands.Select(o => (Text: o, Parts: o.Split('/'), Matches: 0)).ToArray();
        int maxParts = opts.Has(PostconfMode.MasterEntry) ? 2 : 3;
        foreach (var r in requests)
        {
            if (r.Parts.Length > maxParts || r.Parts.Any(p => p.Length == 0))
                throw new PostconfException(opts.Has(PostconfMode.MasterEntry) ? "-M option requires service_name[/type]"
                    : opts.Has(PostconfMode.MasterField) ? "-F option requires service_name[/type[/field]]"
                    : "-P option requires service_name[/type[/parameter]]");
        }

        foreach (var s in master.Services)
        {
            for (int i = 0; i < Math.Max(1, requests.Length); i++)
            {
                string[] parts = requests.Length > 0 ? requests[i].Parts : [];
                if (!Match(parts, 0, s.Name) || !Match(parts, 1, s.Type))
                    continue;
                string? third = parts.Length > 2 && parts[2] != "*" ? parts[2] : null;
                bool any = false;
                if (opts.Has(PostconfMode.MasterEntry))
                {
                    ctx.Stdout.Write(MasterCfFormatter.Entry(s, fold, expander(s)));
                    any = true;
                }
                else if (opts.Has(PostconfMode.MasterField))
                {
                    for (int f = 0; f < MasterCfFile.FieldNames.Length; f++)
                    {
                        if (third is not null && third != MasterCfFile.FieldNames[f])
                            continue;
                        ctx.Stdout.Write(MasterCfFormatter.Field(s, f, hideName, hideValue, fold, expander(s)));
                        any = true;
                    }
                }
                else
                {
                    var last = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (k, v) in s.Overrides)
                        last[k] = v;
                    foreach (var (name, raw) in last.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        if (third is not null && third != name)
                            continue;
                        var value = opts.Has(PostconfMode.Expand) ? s.ConfigFor(config).Expand(raw) : raw;
                        var text = hideValue ? $"{s.Id}/{name}" : hideName ? value : $"{s.Id}/{name} = {value}";
                        ctx.Stdout.Write(PostconfOutput.Line(text, fold));
                        any = true;
                    }
                }
                if (any && requests.Length > 0)
                    requests[i].Matches++;
            }
        }
        ctx.Stdout.Flush();
        foreach (var r in requests.Where(r => r.Matches == 0))
            ctx.Warning($"unmatched request: \"{r.Text}\"");
        foreach (var (name, value) in table.UnusedMaster())
            ctx.Warning($"{dir}/master.cf: unused parameter: {name}={value}");
        return ExitCodes.Ok;
    }

    private static bool Match(string[] parts, int i, string value) => parts.Length <= i || parts[i] == "*" || parts[i] == value;

    public static int Edit(CommandContext ctx, PostconfOptions opts, string dir)
    {
        var path = Path.Combine(dir, "master.cf");
        bool set = opts.Has(PostconfMode.Edit);
        foreach (var arg in opts.Operands)
        {
            if (opts.Has(PostconfMode.MasterEntry))
            {
                if (set)
                    MasterCfEditor.SetEntry(path, arg);
                else
                    _ = MasterCfEditor.RemoveEntry(path, MasterCfEditor.ParseService(arg, "-MX or -M# requires service_name/type"),
                        opts.Has(PostconfMode.CommentOut));
                continue;
            }
            var (selector, value) = SplitAssignment(arg, set);
            var parts = selector.Split('/');
            if (parts.Length != 3 || parts.Any(p => p.Length == 0))
                throw new PostconfException(opts.Has(PostconfMode.MasterField)
                    ? "-F option requires service_name/type/field=value" : "-P option requires service_name/type/parameter" + (set ? "=value" : ""));
            bool matched;
            if (opts.Has(PostconfMode.MasterField))
                matched = MasterCfEditor.SetField(path, (parts[0], parts[1]), parts[2], value!);
            else if (opts.Has(PostconfMode.CommentOut))
                throw new PostconfException("with option -P, do not specify -#");
            else
                matched = MasterCfEditor.SetParameter(path, (parts[0], parts[1]), parts[2], set ? value : null);
            if (!matched)
                ctx.Warning($"unmatched service_name/type: \"{arg}\"");
        }
        return ExitCodes.Ok;
    }

    private static (string Selector, string? Value) SplitAssignment(string arg, bool set)
    {
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (!set)
        {
            if (eq >= 0)
                throw new PostconfException("-X or -# requires names without value");
            return (arg.Trim(), null);
        }
        if (eq < 0)
            throw new PostconfException($"missing '=' after attribute name: \"{arg}\"");
        return (arg[..eq].Trim(), arg[(eq + 1)..].Trim());
    }
}
