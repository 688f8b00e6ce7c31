using System.Text;

namespace Posthorn.Core.Config;

/// <summary>
/// Parameter expansion as postconf(5) describes it: <c>$name</c>, <c>${name}</c>, <c>$(name)</c>,
/// <c>${name?value}</c> (value when name is non-empty), <c>${name:value}</c> (value when empty),
/// <c>${name?{value}:{value}}</c>. Unknown names expand to nothing. A name that refers to itself,
/// directly or not, is a <see cref="ConfigException"/> rather than endless recursion.
/// </summary>
internal static class ParameterExpander
{
    public static string Expand(MainConfig config, string text, HashSet<string> active)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
            return text;
        var sb = new StringBuilder(text.Length + 16);
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '$' || i + 1 >= text.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }
            char next = text[i + 1];
            if (next == '{' || next == '(')
            {
                char close = next == '{' ? '}' : ')';
                int end = FindClose(text, i + 2, next, close);
                if (end < 0)
                    throw new ConfigException($"syntax error: missing '{close}' in \"{text}\"");
                sb.Append(ExpandBraced(config, text[(i + 2)..end], active));
                i = end + 1;
            }
            else if (IsNameChar(next))
            {
                int j = i + 1;
                while (j < text.Length && IsNameChar(text[j]))
                    j++;
                sb.Append(Lookup(config, text[(i + 1)..j], active));
                i = j;
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }

    private static string ExpandBraced(MainConfig config, string inner, HashSet<string> active)
    {
        int k = 0;
        while (k < inner.Length && IsNameChar(inner[k]))
            k++;
        var name = inner[..k];
        if (k == inner.Length)
            return Lookup(config, name, active);
        var value = Lookup(config, name, active);
        char op = inner[k];
        var rest = inner[(k + 1)..];
        if (op == '?')
        {
            var (whenTrue, whenFalse) = SplitAlternatives(rest);
            return value.Length > 0 ? Expand(config, whenTrue, active) : Expand(config, whenFalse ?? "", active);
        }
        if (op == ':')
            return value.Length == 0 ? Expand(config, Unbrace(rest), active) : "";
        throw new ConfigException($"syntax error in \"${{{inner}}}\"");
    }

    private static (string, string?) SplitAlternatives(string rest)
    {
        if (rest.StartsWith('{'))
        {
            int end = FindClose(rest, 1, '{', '}');
            if (end > 0)
            {
                var first = rest[1..end];
                var tail = rest[(end + 1)..].TrimStart();
                if (tail.StartsWith(':'))
                    return (first, Unbrace(tail[1..].Trim()));
                return (first, null);
            }
        }
        return (rest, null);
    }

    private static string Unbrace(string s) =>
        s.Length >= 2 && s[0] == '{' && s[^1] == '}' ? s[1..^1] : s;

    private static string Lookup(MainConfig config, string name, HashSet<string> active)
    {
        if (!active.Add(name))
            throw new ConfigException($"parameter {name}: recursion loop in the definition of ${name}");
        try
        {
            return Expand(config, config.GetRaw(name) ?? "", active);
        }
        finally
        {
            active.Remove(name);
        }
    }

    private static int FindClose(string text, int from, char open, char close)
    {
        int depth = 1;
        for (int j = from; j < text.Length; j++)
        {
            if (text[j] == open)
                depth++;
            else if (text[j] == close && --depth == 0)
                return j;
        }
        return -1;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
