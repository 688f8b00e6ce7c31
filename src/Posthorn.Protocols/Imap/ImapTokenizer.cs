using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Splits a complete command (its text lines and the literals between them) into tokens: tag,
/// atoms, quoted strings (with \" and \\ escapes only), literals and nested lists (RFC 3501
/// section 4 and 9 formal syntax). Bracketed parts of atoms such as BODY[HEADER.FIELDS (A B)]
/// stay in one atom so that the FETCH parser can read the section. Never throws.
/// </summary>
internal static class ImapTokenizer
{
    /// <summary>A tag is one or more ASTRING-CHARs other than "+" (RFC 3501 section 9).</summary>
    public static bool IsValidTag(string tag)
    {
        if (tag.Length == 0 || tag.Length > 64)
        {
            return false;
        }

        foreach (var c in tag)
        {
            if (c == '+' || !IsAtomChar(c) && c != ']')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ].</summary>
    public static bool IsAtomChar(char c) =>
        c > ' ' && c < 0x7f && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']');

    public static ImapReadResult Tokenize(byte[][] lines, (byte[] Data, bool Binary)[] literals, int maxDepth)
    {
        var first = lines[0];
        var space = Array.IndexOf(first, (byte)' ');
        var tag = Encoding.UTF8.GetString(space < 0 ? first : first.AsSpan(0, space));
        if (!IsValidTag(tag))
        {
            return Bad("*", tag.Length == 0 ? "Empty command." : "Invalid tag.");
        }

        var stack = new Stack<List<ImapToken>>();
        var current = new List<ImapToken>();
        for (var segment = 0; segment < lines.Length; segment++)
        {
            var line = lines[segment];
            var p = segment == 0 ? (space < 0 ? line.Length : space + 1) : 0;
            var isLast = segment == lines.Length - 1;
            while (p < line.Length)
            {
                var c = line[p];
                if (c == (byte)' ')
                {
                    p++;
                    continue;
                }

                if (c == (byte)'(')
                {
                    if (stack.Count >= maxDepth)
                    {
                        return Bad(tag, "Too deeply nested lists.");
                    }

                    stack.Push(current);
                    current = [];
                    p++;
                    continue;
                }

                if (c == (byte)')')
                {
                    if (stack.Count == 0)
                    {
                        return Bad(tag, "Unexpected ')'.");
                    }

                    var list = new ImapToken(ImapTokenKind.List, "", Items: current);
                    current = stack.Pop();
                    current.Add(list);
                    p++;
                    continue;
                }

                if (c == (byte)'"')
                {
                    if (!ReadQuoted(line, ref p, out var bytes))
                    {
                        return Bad(tag, "Invalid quoted string.");
                    }

                    current.Add(new ImapToken(ImapTokenKind.String, Encoding.UTF8.GetString(bytes), bytes));
                    continue;
                }

                if (c == (byte)'{' || (c == (byte)'~' && p + 1 < line.Length && line[p + 1] == (byte)'{'))
                {
                    if (isLast || !LiteralMarker.TryParse(line, out _) || line.AsSpan(p).IndexOf((byte)'}') != line.Length - p - 1)
                    {
                        return Bad(tag, "Invalid literal.");
                    }

                    var (data, binary) = literals[segment];
                    current.Add(new ImapToken(ImapTokenKind.String, Encoding.UTF8.GetString(data), data, IsLiteral: true, IsBinary: binary));
                    p = line.Length;
                    continue;
                }

                var start = p;
                if (!ReadAtom(line, ref p))
                {
                    return Bad(tag, "Invalid characters in atom.");
                }

                current.Add(new ImapToken(ImapTokenKind.Atom, Encoding.UTF8.GetString(line.AsSpan(start, p - start))));
            }
        }

        if (stack.Count > 0)
        {
            return Bad(tag, "Missing ')'.");
        }

        return new ImapReadResult(ImapReadStatus.Command, new ImapCommandLine(tag, current), tag);
    }

    private static ImapReadResult Bad(string tag, string reason) => new(ImapReadStatus.Bad, Tag: tag, Reason: reason);

    private static bool ReadQuoted(byte[] line, ref int p, out byte[] bytes)
    {
        var buffer = new List<byte>();
        bytes = [];
        p++;
        while (p < line.Length)
        {
            var c = line[p++];
            if (c == (byte)'"')
            {
                bytes = buffer.ToArray();
                return true;
            }

            if (c == (byte)'\\')
            {
                if (p >= line.Length || line[p] is not ((byte)'"' or (byte)'\\'))
                {
                    return false;
                }

                c = line[p++];
            }
            else if (c is 0 or (byte)'\r' or (byte)'\n')
            {
                return false;
            }

            buffer.Add(c);
        }

        return false;
    }

    /// <summary>Reads an atom; a "[" opens a bracketed part running to its matching "]" (spaces, lists and quotes allowed inside).</summary>
    private static bool ReadAtom(byte[] line, ref int p)
    {
        var start = p;
        while (p < line.Length)
        {
            var c = line[p];
            if (c is (byte)' ' or (byte)'(' or (byte)')')
            {
                break;
            }

            if (c < 0x20 || c == 0x7f || c == (byte)'"' || (c == (byte)'{' && p == start))
            {
                return false;
            }

            if (c == (byte)'[')
            {
                var depth = 0;
                var quoted = false;
                for (; p < line.Length; p++)
                {
                    var b = line[p];
                    if (quoted)
                    {
                        if (b == (byte)'\\')
                        {
                            p++;
                        }
                        else if (b == (byte)'"')
                        {
                            quoted = false;
                        }

                        continue;
                    }

                    if (b == (byte)'"')
                    {
                        quoted = true;
                    }
                    else if (b == (byte)'[')
                    {
                        depth++;
                    }
                    else if (b == (byte)']' && --depth == 0)
                    {
                        break;
                    }
                    else if (b < 0x20)
                    {
                        return false;
                    }
                }

                if (p >= line.Length)
                {
                    return false;
                }
            }

            p++;
        }

        return p > start;
    }
}
