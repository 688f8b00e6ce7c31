using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Parses the SEARCH grammar (RFC 3501 search-key, RFC 9051): every key of RFC 3501, sequence
/// sets, parenthesised groups, NOT, OR, and CONDSTORE's MODSEQ. Keys are case-insensitive.
/// </summary>
internal static class SearchParser
{
    private const int MaxDepth = 64;

    /// <summary>Parses tokens[start..] as a list of keys ANDed together.</summary>
    public static bool TryParse(IReadOnlyList<ImapToken> tokens, int start, out SearchKey key, out string? error)
    {
        var keys = new List<SearchKey>();
        var i = start;
        error = null;
        key = new SearchAll();
        while (i < tokens.Count)
        {
            var k = ParseKey(tokens, ref i, 0, out error);
            if (k is null)
            {
                return false;
            }

            keys.Add(k);
        }

        if (keys.Count == 0)
        {
            error = "Missing search parameters.";
            return false;
        }

        key = keys.Count == 1 ? keys[0] : new SearchAnd(keys);
        return true;
    }

    private static SearchKey? ParseKey(IReadOnlyList<ImapToken> tokens, ref int i, int depth, out string? error)
    {
        error = null;
        if (depth > MaxDepth)
        {
            error = "Search keys nested too deeply.";
            return null;
        }

        var token = tokens[i++];
        if (token.Kind == ImapTokenKind.List)
        {
            if (token.Children.Count == 0)
            {
                error = "Empty search group.";
                return null;
            }

            var keys = new List<SearchKey>();
            var j = 0;
            while (j < token.Children.Count)
            {
                var k = ParseKey(token.Children, ref j, depth + 1, out error);
                if (k is null)
                {
                    return null;
                }

                keys.Add(k);
            }

            return keys.Count == 1 ? keys[0] : new SearchAnd(keys);
        }

        if (token.Kind != ImapTokenKind.Atom)
        {
            error = "Unknown search key.";
            return null;
        }

        var name = token.Text.ToUpperInvariant();
        switch (name)
        {
            case "ALL": return new SearchAll();
            case "ANSWERED": return new SearchFlag("\\Answered", true);
            case "DELETED": return new SearchFlag("\\Deleted", true);
            case "DRAFT": return new SearchFlag("\\Draft", true);
            case "FLAGGED": return new SearchFlag("\\Flagged", true);
            case "SEEN": return new SearchFlag("\\Seen", true);
            case "RECENT": return new SearchFlag("\\Recent", true);
            case "UNANSWERED": return new SearchFlag("\\Answered", false);
            case "UNDELETED": return new SearchFlag("\\Deleted", false);
            case "UNDRAFT": return new SearchFlag("\\Draft", false);
            case "UNFLAGGED": return new SearchFlag("\\Flagged", false);
            case "UNSEEN": return new SearchFlag("\\Seen", false);
            case "NEW": return new SearchAnd([new SearchFlag("\\Recent", true), new SearchFlag("\\Seen", false)]);
            case "OLD": return new SearchFlag("\\Recent", false);
            case "KEYWORD" or "UNKEYWORD":
                return Arg(tokens, ref i, out var kw, out error) ? new SearchFlag(kw, name == "KEYWORD") : null;
            case "BCC" or "CC" or "FROM" or "TO" or "SUBJECT":
                return Arg(tokens, ref i, out var v, out error) ? new SearchHeader(name[0] + name[1..].ToLowerInvariant(), v) : null;
            case "HEADER":
                return Arg(tokens, ref i, out var field, out error) && Arg(tokens, ref i, out var value, out error) ? new SearchHeader(field, value) : null;
            case "BODY" or "TEXT":
                return Arg(tokens, ref i, out var text, out error) ? new SearchText(text, name == "TEXT") : null;
            case "BEFORE" or "ON" or "SINCE" or "SENTBEFORE" or "SENTON" or "SENTSINCE":
            {
                if (!Arg(tokens, ref i, out var d, out error))
                {
                    return null;
                }

                if (!ImapDate.TryParseDate(d, out var date))
                {
                    error = "Invalid search date parameter: " + d;
                    return null;
                }

                var sent = name.StartsWith("SENT", StringComparison.Ordinal);
                var cmp = (sent ? name[4..] : name) switch
                {
                    "BEFORE" => SearchDateComparison.Before,
                    "ON" => SearchDateComparison.On,
                    _ => SearchDateComparison.Since,
                };
                return new SearchDate(sent ? SearchDateField.Sent : SearchDateField.Internal, cmp, date);
            }

            case "LARGER" or "SMALLER":
            {
                if (!Arg(tokens, ref i, out var n, out error))
                {
                    return null;
                }

                if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                {
                    error = "Invalid size: " + n;
                    return null;
                }

                return new SearchSize(name == "LARGER", size);
            }

            case "MODSEQ":
            {
                // MODSEQ [entry-name entry-type-req] mod-sequence-valzer
                if (i + 2 < tokens.Count && tokens[i].Kind == ImapTokenKind.String)
                {
                    i += 2;
                }

                if (!Arg(tokens, ref i, out var n, out error) || !ulong.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var modseq))
                {
                    error ??= "Invalid MODSEQ.";
                    return null;
                }

                return new SearchModSeq(modseq);
            }

            case "UID":
            {
                if (!Arg(tokens, ref i, out var s, out error))
                {
                    return null;
                }

                if (!ImapSequenceSet.TryParse(s, out var uids))
                {
                    error = "Invalid uidset.";
                    return null;
                }

                return new SearchSet(uids, true);
            }

            case "NOT":
            {
                if (i >= tokens.Count)
                {
                    error = "Missing parameter for NOT.";
                    return null;
                }

                var k = ParseKey(tokens, ref i, depth + 1, out error);
                return k is null ? null : new SearchNot(k);
            }

            case "OR":
            {
                if (i + 1 >= tokens.Count)
                {
                    error = "Missing parameter for OR.";
                    return null;
                }

                var left = ParseKey(tokens, ref i, depth + 1, out error);
                if (left is null)
                {
                    return null;
                }

                if (i >= tokens.Count)
                {
                    error = "Missing parameter for OR.";
                    return null;
                }

                var right = ParseKey(tokens, ref i, depth + 1, out error);
                return right is null ? null : new SearchOr(left, right);
            }

            default:
                if (ImapSequenceSet.TryParse(token.Text, out var set))
                {
                    return new SearchSet(set, false);
                }

                error = "Unknown argument " + token.Text;
                return null;
        }
    }

    private static bool Arg(IReadOnlyList<ImapToken> tokens, ref int i, out string value, out string? error)
    {
        value = "";
        error = null;
        if (i >= tokens.Count || !tokens[i].IsAString)
        {
            error = "Missing parameter for search key.";
            return false;
        }

        value = tokens[i++].Text;
        return true;
    }
}
