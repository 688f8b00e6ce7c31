using System.Text;

namespace Posthorn.Protocols.Pop3;

/// <summary>The POP3 commands of RFC 1939, RFC 2449 (CAPA), RFC 5034 (AUTH) and RFC 2595 (STLS).</summary>
public enum Pop3Verb
{
    /// <summary>A keyword this server does not know.</summary>
    Unknown,
    User,
    Pass,
    Apop,
    Auth,
    Capa,
    Stat,
    List,
    Uidl,
    Top,
    Retr,
    Dele,
    Rset,
    Noop,
    Quit,
    Stls,
}

/// <summary>
/// One parsed POP3 command line: a case-insensitive keyword and its arguments separated by
/// single spaces (RFC 1939 section 3). <see cref="Argument"/> keeps everything after the first
/// space verbatim, because PASS takes the rest of the line (passwords may contain spaces, as
/// Dovecot and RFC 1939's note allow).
/// </summary>
public sealed record Pop3Command(Pop3Verb Verb, string Keyword, string Argument, IReadOnlyList<string> Arguments)
{
    private static readonly Dictionary<string, Pop3Verb> Verbs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USER"] = Pop3Verb.User, ["PASS"] = Pop3Verb.Pass, ["APOP"] = Pop3Verb.Apop, ["AUTH"] = Pop3Verb.Auth,
        ["CAPA"] = Pop3Verb.Capa, ["STAT"] = Pop3Verb.Stat, ["LIST"] = Pop3Verb.List, ["UIDL"] = Pop3Verb.Uidl,
        ["TOP"] = Pop3Verb.Top, ["RETR"] = Pop3Verb.Retr, ["DELE"] = Pop3Verb.Dele, ["RSET"] = Pop3Verb.Rset,
        ["NOOP"] = Pop3Verb.Noop, ["QUIT"] = Pop3Verb.Quit, ["STLS"] = Pop3Verb.Stls,
    };

    /// <summary>Parses one line (without its line ending). Never throws; invalid UTF-8 is replaced.</summary>
    public static Pop3Command Parse(ReadOnlySpan<byte> line) => Parse(Encoding.UTF8.GetString(line));

    /// <summary>Parses one line given as text.</summary>
    public static Pop3Command Parse(string line)
    {
        line = line.TrimEnd('\r', '\n');
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var keyword = space < 0 ? line : line[..space];
        var argument = space < 0 ? "" : line[(space + 1)..];
        var arguments = argument.Length == 0 ? [] : argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var verb = Verbs.TryGetValue(keyword, out var v) ? v : Pop3Verb.Unknown;
        return new Pop3Command(verb, keyword.ToUpperInvariant(), argument, arguments);
    }
}
