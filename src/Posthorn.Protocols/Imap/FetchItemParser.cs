using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Parses FETCH's att list (RFC 3501 fetch-att): single items, parenthesised lists, the macros
/// ALL, FAST and FULL (which cannot be combined with others), and section specs with part
/// numbers, HEADER, HEADER.FIELDS[.NOT] (list), TEXT, MIME and &lt;start.length&gt;.
/// </summary>
internal static class FetchItemParser
{
    public static bool TryParse(ImapToken token, List<FetchItem> items, out string? error)
    {
        error = null;
        if (token.Kind == ImapTokenKind.List)
        {
            if (token.Children.Count == 0)
            {
                error = "Empty fetch list.";
                return false;
            }

            foreach (var child in token.Children)
            {
                if (child.Kind != ImapTokenKind.Atom || !TryParseItem(child.Text, items, out error))
                {
                    error ??= "Invalid fetch attribute.";
                    return false;
                }
            }

            return true;
        }

        if (token.Kind != ImapTokenKind.Atom)
        {
            error = "Invalid fetch attribute.";
            return false;
        }

        switch (token.Text.ToUpperInvariant())
        {
            case "ALL":
                items.AddRange([new(FetchAttribute.Flags), new(FetchAttribute.InternalDate), new(FetchAttribute.Rfc822Size), new(FetchAttribute.Envelope)]);
                return true;
            case "FAST":
                items.AddRange([new(FetchAttribute.Flags), new(FetchAttribute.InternalDate), new(FetchAttribute.Rfc822Size)]);
                return true;
            case "FULL":
                items.AddRange([new(FetchAttribute.Flags), new(FetchAttribute.InternalDate), new(FetchAttribute.Rfc822Size), new(FetchAttribute.Envelope), new(FetchAttribute.Body)]);
                return true;
            default:
                if (!TryParseItem(token.Text, items, out error))
                {
                    error ??= "Invalid fetch attribute.";
                    return false;
                }

                return true;
        }
    }

    private static bool TryParseItem(string text, List<FetchItem> items, out string? error)
    {
        error = null;
        var bracket = text.IndexOf('[', StringComparison.Ordinal);
        var name = (bracket < 0 ? text : text[..bracket]).ToUpperInvariant();
        if (bracket < 0)
        {
            FetchAttribute? simple = name switch
            {
                "FLAGS" => FetchAttribute.Flags,
                "INTERNALDATE" => FetchAttribute.InternalDate,
                "RFC822.SIZE" => FetchAttribute.Rfc822Size,
                "ENVELOPE" => FetchAttribute.Envelope,
                "BODYSTRUCTURE" => FetchAttribute.BodyStructure,
                "BODY" => FetchAttribute.Body,
                "UID" => FetchAttribute.Uid,
                "RFC822" => FetchAttribute.Rfc822,
                "RFC822.HEADER" => FetchAttribute.Rfc822Header,
                "RFC822.TEXT" => FetchAttribute.Rfc822Text,
                "MODSEQ" => FetchAttribute.ModSeq,
                _ => null,
            };
            if (simple is null)
            {
                error = "Unknown fetch attribute " + text + ".";
                return false;
            }

            items.Add(new FetchItem(simple.Value));
            return true;
        }

        FetchAttribute attribute;
        var peek = name.EndsWith(".PEEK", StringComparison.Ordinal);
        switch (name)
        {
            case "BODY" or "BODY.PEEK":
                attribute = FetchAttribute.BodySection;
                break;
            case "BINARY" or "BINARY.PEEK":
                attribute = FetchAttribute.BinarySection;
                break;
            case "BINARY.SIZE":
                attribute = FetchAttribute.BinarySize;
                break;
            default:
                error = "Unknown fetch attribute " + name + ".";
                return false;
        }

        var close = text.LastIndexOf(']');
        if (close < bracket || !TryParseSection(text[(bracket + 1)..close], out var section))
        {
            error = "Invalid section.";
            return false;
        }

        if (attribute != FetchAttribute.BodySection && section.Text != SectionText.None)
        {
            error = "BINARY takes part numbers only.";
            return false;
        }

        long? start = null, length = null;
        var rest = text[(close + 1)..];
        if (rest.Length > 0)
        {
            if (attribute == FetchAttribute.BinarySize || rest[0] != '<' || rest[^1] != '>')
            {
                error = "Invalid partial.";
                return false;
            }

            var parts = rest[1..^1].Split('.');
            if (parts.Length != 2
                || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l) || l == 0)
            {
                error = "Invalid partial.";
                return false;
            }

            (start, length) = (s, l);
        }

        items.Add(new FetchItem(attribute, section, peek, start, length));
        return true;
    }

    /// <summary>Parses the inside of the brackets, e.g. "1.2.HEADER.FIELDS (FROM TO)".</summary>
    public static bool TryParseSection(string text, out BodySection section)
    {
        section = BodySection.Whole;
        var parts = new List<int>();
        var at = 0;
        while (at < text.Length && char.IsAsciiDigit(text[at]))
        {
            var end = at;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (text[at] == '0' || !int.TryParse(text.AsSpan(at, end - at), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            parts.Add(n);
            at = end;
            if (at == text.Length)
            {
                break;
            }

            if (text[at] != '.')
            {
                return false;
            }

            at++;
            if (at == text.Length)
            {
                return false;
            }
        }

        var rest = text[at..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var keyword = (space < 0 ? rest : rest[..space]).ToUpperInvariant();
        var kind = keyword switch
        {
            "" => SectionText.None,
            "HEADER" => SectionText.Header,
            "HEADER.FIELDS" => SectionText.HeaderFields,
            "HEADER.FIELDS.NOT" => SectionText.HeaderFieldsNot,
            "TEXT" => SectionText.Text,
            "MIME" when parts.Count > 0 => SectionText.Mime,
            _ => (SectionText)(-1),
        };
        if ((int)kind < 0)
        {
            return false;
        }

        var fields = new List<string>();
        if (kind is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
        {
            if (space < 0)
            {
                return false;
            }

            var list = rest[(space + 1)..].Trim();
            if (list.Length < 3 || list[0] != '(' || list[^1] != ')')
            {
                return false;
            }

            foreach (var f in list[1..^1].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var field = f.Length >= 2 && f[0] == '"' && f[^1] == '"' ? f[1..^1] : f;
                if (field.Length == 0 || field.Any(c => c <= ' ' || c >= 0x7f || c == ':'))
                {
                    return false;
                }

                fields.Add(field);
            }

            if (fields.Count == 0)
            {
                return false;
            }
        }
        else if (space >= 0)
        {
            return false;
        }

        section = new BodySection(parts, kind, fields);
        return true;
    }
}
