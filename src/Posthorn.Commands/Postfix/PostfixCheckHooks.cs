using Posthorn.Core.Config;
using Posthorn.Core.Maps;

namespace Posthorn.Commands.Postfix;

/// <summary>
/// Table checks for <c>postfix check</c>: every <c>type:name</c> in a table-valued main.cf
/// parameter (names ending in _maps, _checks or _database, the domain and network lists, and the
/// table argument of a check_*_access restriction), and in master.cf <c>-o</c> overrides of
/// those, must name a table type Posthorn supports (fatal otherwise); an indexed table whose
/// file postmap has not built yet is a warning.
/// </summary>
internal static class PostfixCheckHooks
{
    private static readonly HashSet<string> ListParameters = new(StringComparer.Ordinal)
    {
        "mydestination", "relay_domains", "virtual_alias_domains", "virtual_mailbox_domains", "mynetworks",
        "permit_mx_backup_networks", "local_header_rewrite_clients", "debug_peer_list", "fast_flush_domains",
    };

    public static IEnumerable<CheckProblem> TableTypes(MainConfig main, MasterCfFile? master)
    {
        var problems = new List<CheckProblem>();
        foreach (var entry in main.File.Entries)
            CheckValue(main, entry.Name, entry.Value, $"{main.MainCfPath}:{entry.Line}", problems);
        if (master is not null)
        {
            foreach (var service in master.Services)
                foreach (var (name, value) in service.Overrides)
                    CheckValue(main, name, value, $"{master.Path}:{service.Line}", problems);
        }
        return problems;
    }

    private static void CheckValue(MainConfig main, string name, string rawValue, string where, List<CheckProblem> problems)
    {
        bool tableParameter = name.EndsWith("_maps", StringComparison.Ordinal) || name.EndsWith("_checks", StringComparison.Ordinal)
            || name.EndsWith("_database", StringComparison.Ordinal) || ListParameters.Contains(name);
        bool restrictions = name.EndsWith("_restrictions", StringComparison.Ordinal) || name == "smtpd_restriction_classes";
        if (!tableParameter && !restrictions)
            return;
        string value;
        try
        {
            value = main.Expand(rawValue);
        }
        catch (ConfigException)
        {
            return; // postconf and the main.cf check report expansion errors
        }
        var items = BraceList.Split(value);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (restrictions)
            {
                // Only the argument of check_*_access names a table; other "x:y" items are policy servers etc.
                bool afterAccessCheck = i > 0 && items[i - 1].StartsWith("check_", StringComparison.OrdinalIgnoreCase)
                    && items[i - 1].EndsWith("_access", StringComparison.OrdinalIgnoreCase);
                if (!afterAccessCheck)
                    continue;
            }
            CheckTable(name, item.TrimStart('!'), where, problems);
        }
    }

    private static void CheckTable(string parameter, string item, string where, List<CheckProblem> problems)
    {
        int colon = item.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || item[0] == '[' || item[0] == '/' || !item[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            return;
        var type = item[..colon];
        if (Core.Maps.TableTypes.Find(type) is null)
        {
            problems.Add(new CheckProblem(true, $"{where}: parameter {parameter}: unsupported dictionary type: {type}"));
            return;
        }
        if (type == "proxy")
        {
            CheckTable(parameter, item[(colon + 1)..], where, problems);
            return;
        }
        var file = FreshTable.BackingFile(item);
        if (file is not null && !File.Exists(file))
            problems.Add(new CheckProblem(false, $"{where}: parameter {parameter}: table {item}: {file} does not exist (run postmap)"));
    }
}
