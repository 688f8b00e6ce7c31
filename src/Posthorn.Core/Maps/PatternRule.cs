using System.Text;
using System.Text.RegularExpressions;

namespace Posthorn.Core.Maps;

/// <summary>One rule of a regexp:, pcre: or cidr: table: a match with a result, or an if/endif.</summary>
internal abstract record PatternRule(int Line)
{
    /// <summary>For an <c>if</c>: the index of its matching <c>endif</c> (set after parsing).</summary>
    public int EndIf { get; set; } = -1;
}

internal sealed record RegexRule(int Line, Regex Pattern, bool Negate, string? Result, bool IsIf) : PatternRule(Line)
{
    /// <summary>regexp tables' <c>/pattern1/!/pattern2/ result</c>: the rule matches only when this does not.</summary>
    public Regex? Unless { get; init; }
}

internal sealed record EndIfRule(int Line) : PatternRule(Line);

/// <summary>
/// Shared evaluation of if/endif rule lists (regexp_table(5), pcre_table(5), cidr_table(5)):
/// rules are tried in order; an <c>if</c> whose condition fails skips to its <c>endif</c>.
/// </summary>
internal static class RuleList
{
    /// <summary>Links each if to its endif; warns about unbalanced ones (Postfix's wording) and drops them.</summary>
    public static List<PatternRule> Link(List<PatternRule> rules, string mapName, Action<string> warn, string strayEndIf)
    {
        var stack = new Stack<int>();
        var keep = new List<PatternRule>();
        foreach (var r in rules)
        {
            bool isIf = r is RegexRule { IsIf: true } || r is CidrRule { IsIf: true };
            if (isIf)
            {
                stack.Push(keep.Count);
                keep.Add(r);
            }
            else if (r is EndIfRule)
            {
                if (stack.Count == 0)
                {
                    warn($"{mapName}, line {r.Line}: {strayEndIf}");
                    continue;
                }
                keep[stack.Pop()].EndIf = keep.Count;
                keep.Add(r);
            }
            else
            {
                keep.Add(r);
            }
        }
        // An IF without ENDIF: Postfix warns and treats it as closed at the end of the table.
        foreach (var open in stack.Reverse())
        {
            warn($"{mapName}, line {keep[open].Line}: IF has no matching ENDIF");
            keep[open].EndIf = keep.Count;
        }
        return keep;
    }

    /// <summary>Expands $n, ${n} and $$ in a result from the match groups.</summary>
    public static string Substitute(string result, Match m)
    {
        if (!result.Contains('$', StringComparison.Ordinal))
            return result;
        var sb = new StringBuilder(result.Length + 16);
        for (int i = 0; i < result.Length; i++)
        {
            char c = result[i];
            if (c != '$' || i + 1 >= result.Length)
            {
                sb.Append(c);
                continue;
            }
            char d = result[i + 1];
            if (d == '$')
            {
                sb.Append('$');
                i++;
            }
            else if (char.IsAsciiDigit(d))
            {
                int j = i + 1, n = 0;
                while (j < result.Length && char.IsAsciiDigit(result[j]))
                    n = n * 10 + (result[j++] - '0');
                sb.Append(m.Groups[n].Value);
                i = j - 1;
            }
            else if (d == '{')
            {
                int close = result.IndexOf('}', i + 2);
                if (close > 0 && int.TryParse(result.AsSpan(i + 2, close - i - 2), out var n))
                {
                    sb.Append(m.Groups[n].Value);
                    i = close;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>The highest $n a result refers to, or 0.</summary>
    public static int MaxIndex(string result)
    {
        int max = 0;
        for (int i = 0; i + 1 < result.Length; i++)
        {
            if (result[i] != '$')
                continue;
            if (result[i + 1] == '$')
            {
                i++;
                continue;
            }
            int j = i + 1;
            if (result[j] == '{')
                j++;
            int n = 0;
            bool any = false;
            while (j < result.Length && char.IsAsciiDigit(result[j]))
            {
                n = n * 10 + (result[j++] - '0');
                any = true;
            }
            if (any)
                max = Math.Max(max, n);
        }
        return max;
    }
}
