using System.Net;
using System.Net.Sockets;

namespace Posthorn.Core.Maps;

/// <summary>One cidr_table(5) rule: a network and mask (or an exact address), negated or not.</summary>
internal sealed record CidrRule(int Line, byte[] Network, int Prefix, bool Negate, string? Result, bool IsIf) : PatternRule(Line)
{
    public bool Matches(byte[] address)
    {
        if (address.Length != Network.Length)
            return false; // a rule never matches the other address family, negated or not
        int full = Prefix / 8, rest = Prefix % 8;
        bool hit = address.AsSpan(0, full).SequenceEqual(Network.AsSpan(0, full));
        if (hit && rest != 0)
        {
            int mask = 0xff << (8 - rest) & 0xff;
            hit = (address[full] & mask) == Network[full];
        }
        return hit != Negate;
    }
}

/// <summary>
/// <c>cidr:</c> tables (cidr_table(5)): lines <c>network/prefix result</c>, a bare address,
/// <c>!network/prefix result</c>, <c>if network/prefix</c> ... <c>endif</c>, IPv4 and IPv6
/// (optionally in <c>[ ]</c>). The first matching rule wins. Bad lines are skipped with
/// Postfix's warnings (bad mask length, non-null host bits, no lookup result).
/// </summary>
public sealed class CidrTable : ILookupTable
{
    private readonly List<PatternRule> _rules;

    private CidrTable(string path, List<PatternRule> rules)
    {
        Name = "cidr:" + path;
        _rules = rules;
    }

    public string Name { get; }

    public string Type => "cidr";

    public bool FixedKeys => false;

    public static CidrTable Open(string path, TableOptions options)
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
            return Load(path, reader, options);
    }

    internal static CidrTable Load(string path, TextReader reader, TableOptions options)
    {
        string mapName = $"cidr map {path}";
        var rules = new List<PatternRule>();
        foreach (var line in SourceLines.Read(reader))
        {
            var rule = ParseLine(line.Text.Trim(), line.Number, msg => options.Warn($"{mapName}, line {line.Number}: {msg}"));
            if (rule is not null)
                rules.Add(rule);
        }
        return new CidrTable(path, RuleList.Link(rules, mapName, options.Warn, "ENDIF without IF: skipping this rule"));
    }

    private static PatternRule? ParseLine(string text, int lineNo, Action<string> warn)
    {
        if (text.Equals("endif", StringComparison.OrdinalIgnoreCase))
            return new EndIfRule(lineNo);
        bool isIf = text.StartsWith("if", StringComparison.OrdinalIgnoreCase) && text.Length > 2 && char.IsWhiteSpace(text[2]);
        var p = isIf ? text[2..].TrimStart() : text;
        bool negate = false;
        if (p.StartsWith('!'))
        {
            negate = true;
            p = p[1..].TrimStart();
        }
        int ws = 0;
        while (ws < p.Length && !char.IsWhiteSpace(p[ws]))
            ws++;
        var pattern = p[..ws];
        var result = p[ws..].Trim();
        if (!TryParseNetwork(pattern, out var net, out var prefix, out var problem))
        {
            warn(problem + ": skipping this rule");
            return null;
        }
        if (isIf)
            return new CidrRule(lineNo, net, prefix, negate, null, true);
        if (result.Length == 0)
        {
            warn("no lookup result: skipping this rule");
            return null;
        }
        return new CidrRule(lineNo, net, prefix, negate, result, false);
    }

    /// <summary>Parses <c>addr/prefix</c> or a bare address, IPv6 optionally in brackets, with Postfix's diagnostics.</summary>
    internal static bool TryParseNetwork(string pattern, out byte[] network, out int prefix, out string problem)
    {
        network = [];
        prefix = 0;
        problem = "";
        var slash = pattern.IndexOf('/');
        var addrText = slash < 0 ? pattern : pattern[..slash];
        if (addrText.StartsWith('[') && addrText.EndsWith(']'))
            addrText = addrText[1..^1];
        bool looksLikeAddress = addrText.Contains(':') || (addrText.Length > 0 && char.IsAsciiDigit(addrText[0]));
        if (!looksLikeAddress)
        {
            problem = $"bad address pattern: \"{pattern}\"";
            return false;
        }
        if (!IPAddress.TryParse(addrText, out var ip) || (ip.AddressFamily == AddressFamily.InterNetwork && addrText.Count(c => c == '.') != 3))
        {
            problem = $"bad network value in \"{pattern}\"";
            return false;
        }
        network = ip.GetAddressBytes();
        int bits = network.Length * 8;
        if (slash < 0)
        {
            prefix = bits;
            return true;
        }
        if (!int.TryParse(pattern.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > bits)
        {
            problem = $"bad mask length in \"{pattern}\"";
            return false;
        }
        var masked = (byte[])network.Clone();
        for (int b = prefix; b < bits; b++)
            masked[b / 8] &= (byte)~(0x80 >> (b % 8));
        if (!masked.AsSpan().SequenceEqual(network))
        {
            var fixedText = new IPAddress(masked).ToString();
            problem = $"non-null host address bits in \"{pattern}\", perhaps you should use \"{fixedText}/{prefix}\" instead";
            return false;
        }
        return true;
    }

    public string? Lookup(string key, LookupFlags flags = LookupFlags.None)
    {
        // Keys are bare addresses; "[1.2.3.4]" finds nothing, as in Postfix.
        if (key.Length == 0 || key[0] == '[' || key.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(key, out var ip))
            return null;
        if (ip.AddressFamily == AddressFamily.InterNetwork && key.Count(c => c == '.') != 3)
            return null; // no inet_aton shorthand such as "10.1"
        var addr = ip.GetAddressBytes();
        for (int i = 0; i < _rules.Count; i++)
        {
            if (_rules[i] is not CidrRule r)
                continue;
            bool hit = r.Matches(addr);
            if (r.IsIf)
            {
                if (!hit)
                    i = r.EndIf;
                continue;
            }
            if (hit)
                return r.Result;
        }
        return null;
    }

    public IEnumerable<KeyValuePair<string, string>> Sequence() =>
        throw new NotSupportedException($"table {Name}: sequence operation is not supported");
}
