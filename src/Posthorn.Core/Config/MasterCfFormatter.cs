using System.Text;

namespace Posthorn.Core.Config;

/// <summary>
/// Writes master.cf entries the way Postfix's postconf -M prints them: the eight fields at
/// columns 0, 11, 17, 25, 33, 41, 49 and 57 (at least one space apart), then the arguments;
/// <c>-o name=value</c> pairs stay together, a value or argument holding whitespace is shown
/// as <c>{text}</c>. Folding (-Mf, and what -e writes) breaks before a line would reach 80
/// columns and puts each -o on a line of its own, indented by four spaces. With an expansion
/// function (-x) -o values are shown expanded.
/// </summary>
public static class MasterCfFormatter
{
    public const int LineLimit = 80;
    public const string Indent = "    ";
    private static readonly int[] ColumnGoal = [0, 11, 17, 25, 33, 41, 49, 57];

    public static string Entry(MasterService service, bool fold, Func<string, string>? expand = null)
    {
        var sb = new StringBuilder();
        int lineLen = 0;
        var fields = service.Fields;
        for (int f = 0; f < fields.Count; f++)
        {
            if (lineLen > 0)
            {
                do
                {
                    sb.Append(' ');
                    lineLen++;
                }
                while (lineLen < ColumnGoal[f]);
            }
            sb.Append(fields[f]);
            lineLen += fields[f].Length;
        }
        AppendArguments(sb, service.RawArguments, lineLen, fold, expand);
        return sb.Append('\n').ToString();
    }

    /// <summary>postconf -F: <c>name/type/field = value</c> (the command field with its arguments).</summary>
    public static string Field(MasterService service, int field, bool hideName, bool hideValue, bool fold, Func<string, string>? expand = null)
    {
        var sb = new StringBuilder();
        if (!hideName)
            sb.Append(service.Name).Append('/').Append(service.Type).Append('/').Append(MasterCfFile.FieldNames[field]);
        if (!hideName && !hideValue)
            sb.Append(" = ");
        if (!hideValue)
        {
            var value = service.Fields[field];
            if (sb.Length > 0 && sb.Length + value.Length > LineLimit)
                sb.Append('\n').Append(Indent);
            int lineLen = LastLineLength(sb);
            sb.Append(value);
            lineLen += value.Length;
            if (field == 7)
                AppendArguments(sb, service.RawArguments, lineLen, fold, expand);
        }
        return sb.Append('\n').ToString();
    }

    private static int LastLineLength(StringBuilder sb)
    {
        var s = sb.ToString();
        int nl = s.LastIndexOf('\n');
        return s.Length - nl - 1;
    }

    private static void AppendArguments(StringBuilder sb, IReadOnlyList<string> args, int lineLen, bool fold, Func<string, string>? expand)
    {
        bool inOptions = true;
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            int argLen = arg.Length;
            string? aval = null;
            bool parens = false;
            if (inOptions)
            {
                if (arg.Length == 0 || arg[0] != '-' || arg == "--")
                {
                    inOptions = false;
                }
                else if (arg.Length > 1 && arg[1] == 'o' && i + 1 < args.Count)
                {
                    aval = args[i + 1];
                    lineLen = LineLimit;
                    if (arg == "-o" && expand is not null)
                        aval = ExpandNameValue(aval, expand);
                    argLen += aval.Length + 3;
                    parens = HasBlank(aval);
                    if (parens)
                        argLen += 2;
                }
            }
            if (!inOptions)
                parens = HasBlank(arg);
            if (lineLen > Indent.Length)
            {
                if (!fold || lineLen + 1 + argLen < LineLimit)
                {
                    sb.Append(' ');
                    lineLen++;
                }
                else
                {
                    sb.Append('\n').Append(Indent);
                    lineLen = Indent.Length;
                }
            }
            bool wrap = !inOptions && parens;
            sb.Append(wrap ? "{" + arg + "}" : arg);
            lineLen += arg.Length + (wrap ? 2 : 0);
            if (aval is not null)
            {
                sb.Append(' ').Append(parens ? "{" + aval + "}" : aval);
                i++;
                lineLen = LineLimit;
            }
        }
    }

    private static string ExpandNameValue(string nameValue, Func<string, string> expand)
    {
        int eq = nameValue.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? nameValue : nameValue[..(eq + 1)] + expand(nameValue[(eq + 1)..]);
    }

    private static bool HasBlank(string s) => s.AsSpan().IndexOfAny(" \t\r\n") >= 0;
}
