using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>The argument grammars of LIST/LSUB (RFC 5258), APPEND, SEARCH's prefix and STORE (RFC 7162 modifiers), and flags.</summary>
public static partial class ImapCommandParser
{
    private static (ImapCommand?, string?) ParseList(string tag, bool lsub, List<ImapToken> a)
    {
        // LIST [(selection)] reference mailbox-or-patterns [RETURN (options)]  -- RFC 5258.
        var i = 0;
        var select = new List<string>();
        if (!lsub && a.Count > 0 && a[0].Kind == ImapTokenKind.List)
        {
            select.AddRange(a[0].Children.Select(c => c.Text.ToUpperInvariant()));
            i++;
        }

        if (a.Count - i < 2 || !a[i].IsAString)
        {
            return (null, null);
        }

        var reference = a[i++].Text;
        var patterns = new List<string>();
        if (a[i].Kind == ImapTokenKind.List && !lsub)
        {
            if (a[i].Children.Count == 0 || a[i].Children.Any(c => !c.IsAString))
            {
                return (null, null);
            }

            patterns.AddRange(a[i].Children.Select(c => NormalizeInbox(c.Text)));
        }
        else if (a[i].IsAString)
        {
            patterns.Add(NormalizeInbox(a[i].Text));
        }
        else
        {
            return (null, null);
        }

        i++;
        var returns = new List<string>();
        var status = new List<string>();
        if (i < a.Count)
        {
            if (lsub || a.Count - i != 2 || !a[i].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase) || a[i + 1].Kind != ImapTokenKind.List)
            {
                return (null, null);
            }

            var options = a[i + 1].Children;
            for (var j = 0; j < options.Count; j++)
            {
                var name = options[j].Text.ToUpperInvariant();
                if (name == "STATUS" && j + 1 < options.Count && options[j + 1].Kind == ImapTokenKind.List)
                {
                    status.AddRange(options[++j].Children.Select(c => c.Text.ToUpperInvariant()));
                }

                returns.Add(name);
            }
        }

        return (new ListCommand(tag, lsub, reference, patterns, select, returns, status), null);
    }

    private static (ImapCommand?, string?) ParseAppend(string tag, List<ImapToken> a)
    {
        if (a.Count is < 2 or > 4 || Mailbox(a[0]) is not { } box)
        {
            return (null, null);
        }

        var i = 1;
        var flags = new List<string>();
        if (a[i].Kind == ImapTokenKind.List)
        {
            if (!Flags(a[i], flags, out var error))
            {
                return (null, error);
            }

            i++;
        }

        DateTimeOffset? date = null;
        if (i < a.Count - 1)
        {
            if (a[i].Kind != ImapTokenKind.String || a[i].IsLiteral || !ImapDate.TryParseDateTime(a[i].Text, out var d))
            {
                return (null, "Invalid date-time.");
            }

            date = d;
            i++;
        }

        if (i != a.Count - 1 || !a[i].IsLiteral)
        {
            return (null, "Missing message literal.");
        }

        return (new AppendCommand(tag, box, flags, date, a[i].Data ?? [], a[i].IsBinary), null);
    }

    private static (ImapCommand?, string?) ParseSearch(string tag, bool uid, List<ImapToken> a)
    {
        var i = 0;
        var returns = new List<string>();
        if (a.Count > 1 && a[0].Kind == ImapTokenKind.Atom && a[0].Text.Equals("RETURN", StringComparison.OrdinalIgnoreCase) && a[1].Kind == ImapTokenKind.List)
        {
            returns.AddRange(a[1].Children.Select(c => c.Text.ToUpperInvariant()));
            i = 2;
        }

        string? charset = null;
        if (a.Count > i + 1 && a[i].Kind == ImapTokenKind.Atom && a[i].Text.Equals("CHARSET", StringComparison.OrdinalIgnoreCase) && a[i + 1].IsAString)
        {
            charset = a[i + 1].Text.ToUpperInvariant();
            i += 2;
        }

        return SearchParser.TryParse(a, i, out var key, out var error) ? (new SearchCommand(tag, uid, charset, key, returns), null) : (null, error);
    }

    private static (ImapCommand?, string?) ParseStore(string tag, bool uid, List<ImapToken> a)
    {
        if (a.Count < 3 || Set(a[0]) is not { } set)
        {
            return (null, a.Count > 0 && Set(a[0]) is null ? "Invalid messageset" : null);
        }

        var i = 1;
        ulong? unchangedSince = null;
        if (a[i].Kind == ImapTokenKind.List)
        {
            var m = a[i].Children;
            if (m.Count != 2 || !m[0].Text.Equals("UNCHANGEDSINCE", StringComparison.OrdinalIgnoreCase)
                || !ulong.TryParse(m[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var us))
            {
                return (null, "Unknown store modifier.");
            }

            unchangedSince = us;
            i++;
        }

        if (a.Count - i < 2 || a[i].Kind != ImapTokenKind.Atom)
        {
            return (null, null);
        }

        var item = a[i++].Text.ToUpperInvariant();
        var mode = item[0] switch { '+' => StoreMode.Add, '-' => StoreMode.Remove, _ => StoreMode.Replace };
        var bare = mode == StoreMode.Replace ? item : item[1..];
        var silent = bare.EndsWith(".SILENT", StringComparison.Ordinal);
        if ((silent ? bare[..^7] : bare) != "FLAGS")
        {
            return (null, "Invalid STORE parameters.");
        }

        var flags = new List<string>();
        if (a.Count - i == 1 && a[i].Kind == ImapTokenKind.List)
        {
            if (!Flags(a[i], flags, out var error))
            {
                return (null, error);
            }
        }
        else
        {
            foreach (var f in a.Skip(i))
            {
                if (f.Kind != ImapTokenKind.Atom || !IsFlag(f.Text))
                {
                    return (null, "Invalid flag.");
                }

                flags.Add(f.Text);
            }
        }

        return (new StoreCommand(tag, uid, set, mode, silent, flags, unchangedSince), null);
    }

    private static bool Flags(ImapToken list, List<string> flags, out string? error)
    {
        error = null;
        foreach (var f in list.Children)
        {
            if (f.Kind != ImapTokenKind.Atom || !IsFlag(f.Text))
            {
                error = "Invalid flag.";
                return false;
            }

            flags.Add(f.Text);
        }

        return true;
    }

    /// <summary>flag: a system flag (\Seen etc.; \Recent cannot be stored) or a keyword atom.</summary>
    private static bool IsFlag(string text)
    {
        if (text.StartsWith('\\'))
        {
            return text[1..].ToUpperInvariant() is "ANSWERED" or "FLAGGED" or "DELETED" or "SEEN" or "DRAFT";
        }

        return text.Length > 0 && text.All(ImapTokenizer.IsAtomChar);
    }
}
