using System.Globalization;
using System.Text;

namespace Posthorn.Core.Config;

/// <summary>
/// Parameter expansion as postconf(5) "PARAMETER EXPANSION" describes it (Postfix's mac_expand):
/// <c>$$</c> is a literal '$'; <c>$name</c>, <c>${name}</c>, <c>$(name)</c>;
/// <c>${name?value}</c>, <c>${name?{value}}</c> (value when name is non-empty),
/// <c>${name:value}</c>, <c>${name:{value}}</c> (value when name is empty or undefined),
/// <c>${name?{value1}:{value2}}</c> and <c>${name?{value1}:value2}</c>; and Postfix 3.0's
/// relational expressions <c>${{text1} OP {text2}}</c>, <c>${{text1} OP {text2} ? {a} : {b}}</c>
/// with OP one of ==, !=, &lt;, &lt;=, &gt;=, &gt; (numeric when both sides are all digits, else
/// byte-wise), and the compatibility-level forms ==level, !=level, &lt;level, &lt;=level, &gt;level,
/// &gt;=level that compare <c>major.minor.patch</c> numbers. A true expression expands to "true",
/// a false one to "". Undefined names expand to nothing. A name whose value refers back to
/// itself is a <see cref="ConfigException"/> naming the loop, not endless recursion.
/// Syntax errors use Postfix's warning texts.
/// </summary>
internal sealed class ParameterExpander
{
    private const string Whitespace = " \t\r\n";
    private readonly Func<string, string?> _lookup;
    private readonly Action<string>? _undefined;
    private readonly List<string> _stack = [];
    private int _level;

    private ParameterExpander(Func<string, string?> lookup, Action<string>? undefined)
    {
        _lookup = lookup;
        _undefined = undefined;
    }

    /// <summary>Expands <paramref name="text"/>, the value of <paramref name="owner"/> (or null), against <paramref name="config"/>.</summary>
    public static string Expand(MainConfig config, string text, string? owner, Action<string>? undefined = null) =>
        Expand(config.GetRaw, text, owner, undefined);

    /// <summary>Expands against any raw-value lookup (null: undefined).</summary>
    public static string Expand(Func<string, string?> lookup, string text, string? owner, Action<string>? undefined = null)
    {
        if (!text.Contains('$', StringComparison.Ordinal))
            return text;
        var x = new ParameterExpander(lookup, undefined);
        if (owner is not null)
            x._stack.Add(owner);
        var sb = new StringBuilder(text.Length + 16);
        x.Parse(text, sb);
        return sb.ToString();
    }

    /// <summary>mac_parse: literal text and macro references, in order.</summary>
    private void Parse(string value, StringBuilder result)
    {
        int vp = 0;
        while (vp < value.Length)
        {
            if (value[vp] != '$')
            {
                result.Append(value[vp++]);
                continue;
            }
            if (vp + 1 < value.Length && value[vp + 1] == '$')
            {
                result.Append('$');
                vp += 2;
                continue;
            }
            vp++;
            string expr;
            if (vp < value.Length && (value[vp] == '{' || value[vp] == '('))
            {
                char open = value[vp], close = open == '{' ? '}' : ')';
                int level = 1, ep = vp + 1;
                for (; level > 0; ep++)
                {
                    if (ep >= value.Length)
                        throw new ConfigException($"truncated macro reference: \"{value}\"");
                    if (value[ep] == open)
                        level++;
                    else if (value[ep] == close)
                        level--;
                }
                expr = value[(vp + 1)..(ep - 1)];
                vp = ep;
            }
            else
            {
                int ep = vp;
                while (ep < value.Length && IsNameChar(value[ep]))
                    ep++;
                expr = value[vp..ep];
                vp = ep;
            }
            if (expr.Length == 0)
                throw new ConfigException($"empty macro name: \"{value}\"");
            Callback(expr, result);
        }
    }

    private void Callback(string buf, StringBuilder result)
    {
        if (++_level > 100)
            throw new ConfigException($"unreasonable macro call nesting: \"{buf}\"");
        try
        {
            Evaluate(buf, result);
        }
        finally
        {
            _level--;
        }
    }

    private void Evaluate(string buf, StringBuilder result)
    {
        int cp = 0;
        string? lookup;
        char ch;
        string? name = null;
        if (FindLeftCurly(buf, ref cp))
        {
            lookup = ParseRelational(buf, ref cp);
            ch = cp < buf.Length ? buf[cp] : '\0';
            if (ch != '\0')
            {
                if (ch != '?' && ch != ':')
                    throw new ConfigException($"\"?\" or \":\" expected at: \"...}}>>>{Head(buf, cp)}\"");
                cp++;
            }
        }
        else
        {
            cp = Skip(buf, 0);
            int start = cp;
            for (; ; cp++)
            {
                int ws = Skip(buf, cp);
                ch = ws < buf.Length ? buf[ws] : '\0';
                if (ch == '\0')
                {
                    name = buf[start..cp];
                    break;
                }
                if (ch == '?' || ch == ':')
                {
                    name = buf[start..cp];
                    cp = ws + 1;
                    break;
                }
                if (ch == '{' || !IsNameChar(buf[cp]))
                    throw new ConfigException($"attribute name syntax error at: \"...{buf[..cp]}>>>{Head(buf, cp)}\"");
            }
            lookup = ch == '\0' ? null : Test(name);
        }

        if (ch == '?' || ch == ':')
        {
            string? ifTrue = null;
            if (ch == '?')
            {
                ifTrue = Operand(buf, ref cp);
                if (!string.IsNullOrEmpty(lookup))
                    Parse(ifTrue, result);
                if (cp >= buf.Length)
                    return;
                if (buf[cp] != ':')
                    throw new ConfigException($"\":\" expected at: \"...{ifTrue}}}>>>{Head(buf, cp)}\"");
                cp++;
            }
            var ifFalse = Operand(buf, ref cp);
            if (string.IsNullOrEmpty(lookup))
                Parse(ifFalse, result);
            if (cp < buf.Length)
                throw new ConfigException($"unexpected input at: \"...{ifFalse}}}>>>{Head(buf, cp)}\"");
            return;
        }

        if (name is null)
        {
            result.Append(lookup);
            return;
        }
        var raw = _lookup(name);
        if (raw is null)
        {
            _undefined?.Invoke(name);
            return;
        }
        Enter(name);
        try
        {
            Parse(raw, result);
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
        }
    }

    /// <summary>The expanded value of a name for a ?/: test; null when undefined.</summary>
    private string? Test(string name)
    {
        var raw = _lookup(name);
        if (raw is null)
        {
            _undefined?.Invoke(name);
            return null;
        }
        Enter(name);
        try
        {
            var sb = new StringBuilder();
            Parse(raw, sb);
            return sb.ToString();
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
        }
    }

    private void Enter(string name)
    {
        int at = _stack.IndexOf(name);
        if (at >= 0)
        {
            var chain = string.Join(" -> ", _stack.Skip(at).Append(name).Select(n => "$" + n));
            throw new ConfigException($"parameter {name}: recursive definition: {chain}");
        }
        _stack.Add(name);
    }

    /// <summary>A ?/: result: <c>{text}</c> (whitespace around it skipped) or the rest of the input.</summary>
    private static string Operand(string buf, ref int cp)
    {
        if (FindLeftCurly(buf, ref cp))
            return CurlyPayload(buf, ref cp);
        var rest = buf[cp..];
        cp = buf.Length;
        return rest;
    }

    private string ParseRelational(string buf, ref int cp)
    {
        var left = CurlyPayload(buf, ref cp);
        int opStart = cp;
        while (cp < buf.Length && "<>!=?+-*/~&|%".Contains(buf[cp], StringComparison.Ordinal))
            cp++;
        var op = buf[opStart..cp];
        if (op is not ("==" or "!=" or "<" or "<=" or ">=" or ">"))
            throw new ConfigException($"\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...{left}}}>>>{Head(buf, opStart)}\"");
        int suffixStart = cp;
        while (cp < buf.Length && char.IsAsciiLetterOrDigit(buf[cp]))
            cp++;
        var suffix = buf[suffixStart..cp];
        if (suffix.Length > 0 && suffix != "level")
            throw new ConfigException($"bad operator suffix at: \"...{op}>>>{suffix}\"");
        if (!FindLeftCurly(buf, ref cp))
            throw new ConfigException($"\"{{expression}}\" expected at: \"...{{{left}}} {op}>>>{Head(buf, cp)}\"");
        var right = CurlyPayload(buf, ref cp);
        var l = new StringBuilder();
        Parse(left, l);
        var r = new StringBuilder();
        Parse(right, r);
        long delta = suffix.Length > 0
            ? CompatLevel.Parse(l.ToString()).CompareTo(CompatLevel.Parse(r.ToString()))
            : Compare(l.ToString(), r.ToString());
        bool result = op switch
        {
            "==" => delta == 0,
            "!=" => delta != 0,
            "<" => delta < 0,
            "<=" => delta <= 0,
            ">=" => delta >= 0,
            _ => delta > 0,
        };
        return result ? "true" : "";
    }

    private static long Compare(string left, string right)
    {
        if (left.Length > 0 && right.Length > 0 && left.All(char.IsAsciiDigit) && right.All(char.IsAsciiDigit)
            && long.TryParse(left, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && long.TryParse(right, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            return a.CompareTo(b);
        return string.CompareOrdinal(left, right);
    }

    /// <summary>Skips whitespace; true (and cp at the brace) when a '{' follows.</summary>
    private static bool FindLeftCurly(string buf, ref int cp)
    {
        int k = Skip(buf, cp);
        if (k < buf.Length && buf[k] == '{')
        {
            cp = k;
            return true;
        }
        return false;
    }

    /// <summary>The text inside balanced braces at cp; cp moves past the '}' and following whitespace.</summary>
    private static string CurlyPayload(string buf, ref int cp)
    {
        int level = 1, k = cp + 1;
        for (; ; k++)
        {
            if (k >= buf.Length)
                throw new ConfigException($"unbalanced {{}} in attribute expression: \"{buf[cp..]}\"");
            if (buf[k] == '{')
                level++;
            else if (buf[k] == '}' && --level <= 0)
                break;
        }
        var payload = buf[(cp + 1)..k];
        cp = Skip(buf, k + 1);
        return payload;
    }

    private static int Skip(string s, int i)
    {
        while (i < s.Length && Whitespace.Contains(s[i], StringComparison.Ordinal))
            i++;
        return i;
    }

    private static string Head(string s, int i) => s.Length - i > 20 ? s.Substring(i, 20) : s[i..];

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}

/// <summary>compatibility_level values: <c>major[.minor[.patch]]</c>, compared number by number.</summary>
public static class CompatLevel
{
    /// <summary>The level as one comparable number; a <see cref="ConfigException"/> for bad syntax.</summary>
    public static long Parse(string text)
    {
        var parts = text.Split('.');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit) || p.Length > 9))
            throw new ConfigException($"malformed compatibility level syntax: \"{text}\"");
        long major = long.Parse(parts[0], CultureInfo.InvariantCulture);
        long minor = parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        long patch = parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        if (minor > 1023 || patch > 1023)
            throw new ConfigException($"malformed compatibility level syntax: \"{text}\"");
        return (major << 20) | (minor << 10) | patch;
    }
}
