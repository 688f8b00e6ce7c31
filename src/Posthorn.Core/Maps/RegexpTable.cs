using System.Text.RegularExpressions;

namespace Posthorn.Core.Maps;

/// <summary>
/// <c>regexp:</c> (regexp_table(5), POSIX extended expressions) and <c>pcre:</c> (pcre_table(5))
/// tables on .NET's Regex. Lines are <c>/pattern/flags result</c>, <c>!/pattern/flags
/// result</c>, <c>if /pattern/flags</c> ... <c>endif</c>; any non-space character may
/// delimit the pattern. Matching is case-insensitive unless the <c>i</c> flag toggles it;
/// lookups see the key in its original case; <c>$n</c>, <c>${n}</c> in the result take the
/// matched groups. A bad line is skipped with a warning naming <c>file, line N</c>.
/// </summary>
public sealed class RegexpTable : ILookupTable
{
    private readonly List<PatternRule> _rules;

    private RegexpTable(string type, string path, List<PatternRule> rules)
    {
        Type = type;
        Name = type + ":" + path;
        _rules = rules;
    }

    public string Name { get; }

    public string Type { get; }

    public bool FixedKeys => false;

    public static RegexpTable Open(string type, string path, TableOptions options)
    {
        TextReader reader;
        try
        {
            reader = new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TableOpenException($"open {path}: {Errors.Describe(e)}");
        }
        using (reader)
            return Load(type, path, reader, options);
    }

    internal static RegexpTable Load(string type, string path, TextReader reader, TableOptions options)
    {
        bool pcre = type == "pcre";
        string mapName = $"{type} map {path}";
        var rules = new List<PatternRule>();
        foreach (var line in SourceLines.Read(reader))
        {
            var rule = ParseLine(line.Text.Trim(), line.Number, pcre, mapName, options.Warn);
            if (rule is not null)
                rules.Add(rule);
        }
        return new RegexpTable(type, path, RuleList.Link(rules, mapName, options.Warn, "ignoring ENDIF without matching IF"));
    }

    private static PatternRule? ParseLine(string text, int lineNo, bool pcre, string mapName, Action<string> warn)
    {
        void Warn(string m) => warn($"{mapName}, line {lineNo}: {m}");
        if (IsWord(text, "endif"))
        {
            if (text.Length > 5)
                Warn("ignoring extra text after ENDIF");
            return new EndIfRule(lineNo);
        }
        bool isIf = IsWord(text, "if");
        var p = isIf ? text[2..].TrimStart() : text;
        bool negate = false;
        if (p.StartsWith('!'))
        {
            negate = true;
            p = p[1..].TrimStart();
        }
        if (p.Length == 0 || char.IsWhiteSpace(p[0]) || char.IsLetterOrDigit(p[0]))
        {
            Warn("no regular expression");
            return null;
        }
        int pos = 0;
        var regex = ParsePattern(p, ref pos, pcre, Warn);
        if (regex is null)
            return null;
        Regex? unless = null;
        if (!pcre && pos + 1 < p.Length && p[pos] == '!' && !char.IsWhiteSpace(p[pos + 1]) && !char.IsLetterOrDigit(p[pos + 1]))
        {
            pos++;
            unless = ParsePattern(p, ref pos, pcre, Warn);
            if (unless is null)
                return null;
        }
        var result = p[pos..].Trim();
        if (isIf)
        {
            if (result.Length > 0)
                Warn($"ignoring extra text after IF statement: \"{result}\"");
            return new RegexRule(lineNo, regex, negate, null, true) { Unless = unless };
        }
        if (result.Length == 0)
            Warn("no replacement text: using empty string");
        int groups = regex.GetGroupNumbers().Max();
        int used = RuleList.MaxIndex(result);
        if (negate && used > 0)
        {
            Warn("$number found in negative match replacement text: skipping this rule");
            return null;
        }
        if (used > groups)
        {
            Warn($"out of range replacement index \"{used}\": skipping this rule");
            return null;
        }
        return new RegexRule(lineNo, regex, negate, result, false) { Unless = unless };
    }

    /// <summary>Parses <c>/pattern/flags</c> at <paramref name="pos"/> (any delimiter); leaves <paramref name="pos"/> after the flags.</summary>
    private static Regex? ParsePattern(string p, ref int pos, bool pcre, Action<string> warn)
    {
        char delim = p[pos];
        int i = pos + 1;
        for (; i < p.Length && p[i] != delim; i++)
        {
            if (p[i] == '\\' && i + 1 < p.Length)
                i++;
        }
        if (i >= p.Length)
        {
            warn($"no closing regular expression delimiter \"{delim}\"");
            return null;
        }
        var pattern = p[(pos + 1)..i];
        int f = i + 1;
        while (f < p.Length && !char.IsWhiteSpace(p[f]) && !(!pcre && p[f] == '!'))
            f++;
        var flags = p[(i + 1)..f];
        pos = f;
        var opts = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;
        bool anchored = false;
        foreach (var c in flags)
        {
            switch (c)
            {
                case 'i': opts ^= RegexOptions.IgnoreCase; break;
                case 'm': opts ^= RegexOptions.Multiline; break;
                case 'x' when !pcre: break; // extended syntax is the default; basic syntax is not supported.
                case 'x': opts ^= RegexOptions.IgnorePatternWhitespace; break;
                case 's' when pcre: opts ^= RegexOptions.Singleline; break;
                case 'A' when pcre: anchored = true; break;
                case 'E' or 'U' or 'X' when pcre: break;
                default:
                    warn($"unknown regexp option \"{c}\": skipping this rule");
                    return null;
            }
        }
        try
        {
            var dotnet = pcre ? pattern : PosixRegex.ToDotNet(pattern);
            if (anchored)
                dotnet = @"\G(?:" + dotnet + ")";
            return new Regex(dotnet, opts);
        }
        catch (ArgumentException e)
        {
            warn(RegexError(e, pcre));
            return null;
        }
    }

    /// <summary>Postfix's shape of a compile error: pcre "error in regex at offset N: text", regexp the bare text.</summary>
    private static string RegexError(ArgumentException e, bool pcre)
    {
        if (e is not RegexParseException rp)
            return pcre ? $"error in regex: {e.Message}" : e.Message;
        var words = System.Text.RegularExpressions.Regex.Replace(rp.Error.ToString(), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();
        return pcre ? $"error in regex at offset {rp.Offset}: {words}" : $"{words} at offset {rp.Offset}";
    }

    private static bool IsWord(string text, string word) =>
        text.StartsWith(word, StringComparison.OrdinalIgnoreCase) && (text.Length == word.Length || char.IsWhiteSpace(text[word.Length]));

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        for (int i = 0; i < _rules.Count; i++)
        {
            var r = _rules[i];
            if (r is not RegexRule rr)
                continue;
            var m = rr.Pattern.Match(key);
            bool hit = (m.Success && (rr.Unless is null || !rr.Unless.IsMatch(key))) != rr.Negate;
            if (rr.IsIf)
            {
                if (!hit)
                    i = rr.EndIf;
                continue;
            }
            if (hit)
                return rr.Negate ? rr.Result : RuleList.Substitute(rr.Result!, m);
        }
        return null;
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");
}
