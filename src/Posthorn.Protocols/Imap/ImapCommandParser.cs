using System.Globalization;

namespace Posthorn.Protocols.Imap;

/// <summary>The outcome of parsing a command line: a command, or the BAD text to send.</summary>
public readonly record struct ImapParseResult(ImapCommand? Command, string Tag, string? Error)
{
    /// <summary>The full BAD line text, Dovecot-style: "Error in IMAP command SELECT: Invalid arguments.".</summary>
    public string BadText(string verb) => Error is null ? "" : $"Error in IMAP command {verb}: {Error}";
}

/// <summary>
/// Turns a tokenised <see cref="ImapCommandLine"/> into a typed <see cref="ImapCommand"/>,
/// checking each command's argument grammar (RFC 3501 section 9, RFC 9051 section 9 and the
/// extensions listed on <see cref="ImapCommand"/>). Never throws; errors come back as BAD text.
/// </summary>
public static partial class ImapCommandParser
{
    /// <summary>Parses one command.</summary>
    public static ImapParseResult Parse(ImapCommandLine line)
    {
        var tag = line.Tag;
        var t = line.Tokens;
        if (t.Count == 0 || t[0].Kind != ImapTokenKind.Atom)
        {
            return new ImapParseResult(null, tag, "Missing command.");
        }

        var verb = t[0].Text.ToUpperInvariant();
        var args = t.Skip(1).ToList();
        var uid = false;
        if (verb == "UID")
        {
            if (args.Count == 0 || args[0].Kind != ImapTokenKind.Atom)
            {
                return new ImapParseResult(null, tag, "Missing UID command.");
            }

            uid = true;
            verb = args[0].Text.ToUpperInvariant();
            args.RemoveAt(0);
            if (verb is not ("FETCH" or "STORE" or "COPY" or "MOVE" or "SEARCH" or "EXPUNGE"))
            {
                return new ImapParseResult(null, tag, "Unknown UID command " + verb + ".");
            }
        }

        try
        {
            var (command, error) = ParseVerb(tag, verb, uid, args);
            return new ImapParseResult(command, tag, command is null ? error ?? "Invalid arguments." : null);
        }
        catch (ArgumentOutOfRangeException)
        {
            return new ImapParseResult(null, tag, "Missing arguments.");
        }
    }

    private static (ImapCommand?, string?) ParseVerb(string tag, string verb, bool uid, List<ImapToken> a)
    {
        switch (verb)
        {
            case "CAPABILITY" or "NOOP" or "LOGOUT" or "STARTTLS" or "CHECK" or "CLOSE" or "UNSELECT" or "IDLE" or "NAMESPACE":
                return a.Count == 0 ? (new ImapSimpleCommand(tag, verb), null) : (null, "Unexpected arguments.");
            case "EXPUNGE" when !uid:
                return a.Count == 0 ? (new ImapSimpleCommand(tag, verb), null) : (null, "Unexpected arguments.");
            case "EXPUNGE":
                return a.Count == 1 && Set(a[0]) is { } uids ? (new UidExpungeCommand(tag, uids), null) : (null, "Invalid uidset.");
            case "AUTHENTICATE":
                return a.Count is 1 or 2 && a[0].Kind == ImapTokenKind.Atom && (a.Count == 1 || a[1].Kind == ImapTokenKind.Atom)
                    ? (new AuthenticateCommand(tag, a[0].Text.ToUpperInvariant(), a.Count == 2 ? a[1].Text : null), null)
                    : (null, null);
            case "LOGIN":
                return a.Count == 2 && a[0].IsAString && a[1].IsAString ? (new LoginCommand(tag, a[0].Text, a[1].Text), null) : (null, null);
            case "SELECT" or "EXAMINE":
            {
                if (a.Count is < 1 or > 2 || Mailbox(a[0]) is not { } box)
                {
                    return (null, null);
                }

                var condstore = false;
                if (a.Count == 2)
                {
                    if (a[1].Kind != ImapTokenKind.List || a[1].Children.Any(c => !c.Text.Equals("CONDSTORE", StringComparison.OrdinalIgnoreCase)))
                    {
                        return (null, "Unknown select parameter.");
                    }

                    condstore = a[1].Children.Count > 0;
                }

                return (new SelectCommand(tag, box, verb == "EXAMINE", condstore), null);
            }

            case "CREATE":
            {
                if (a.Count is < 1 or > 2 || Mailbox(a[0]) is not { } box)
                {
                    return (null, null);
                }

                var use = new List<string>();
                if (a.Count == 2)
                {
                    // CREATE name (USE (\Drafts))  -- RFC 6154 section 3.
                    var p = a[1];
                    if (p.Kind != ImapTokenKind.List || p.Children.Count != 2 || !p.Children[0].Text.Equals("USE", StringComparison.OrdinalIgnoreCase)
                        || p.Children[1].Kind != ImapTokenKind.List)
                    {
                        return (null, "Unknown create parameter.");
                    }

                    use.AddRange(p.Children[1].Children.Select(c => c.Text));
                }

                return (new MailboxCommand(tag, verb, box, use), null);
            }

            case "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE":
                return a.Count == 1 && Mailbox(a[0]) is { } m ? (new MailboxCommand(tag, verb, m, []), null) : (null, null);
            case "RENAME":
                return a.Count == 2 && Mailbox(a[0]) is { } from && Mailbox(a[1]) is { } to ? (new RenameCommand(tag, from, to), null) : (null, null);
            case "LIST" or "LSUB":
                return ParseList(tag, verb == "LSUB", a);
            case "STATUS":
            {
                if (a.Count != 2 || Mailbox(a[0]) is not { } box || a[1].Kind != ImapTokenKind.List || a[1].Children.Count == 0)
                {
                    return (null, null);
                }

                var items = a[1].Children.Select(c => c.Text.ToUpperInvariant()).ToList();
                var unknown = items.FirstOrDefault(i => i is not ("MESSAGES" or "RECENT" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "SIZE" or "HIGHESTMODSEQ" or "DELETED"));
                return unknown is null ? (new StatusCommand(tag, box, items), null) : (null, "Invalid status item " + unknown);
            }

            case "APPEND":
                return ParseAppend(tag, a);
            case "SEARCH":
                return ParseSearch(tag, uid, a);
            case "FETCH":
            {
                if (a.Count is < 2 or > 3 || Set(a[0]) is not { } set)
                {
                    return (null, a.Count > 0 && Set(a[0]) is null ? "Invalid messageset" : null);
                }

                var items = new List<FetchItem>();
                if (!FetchItemParser.TryParse(a[1], items, out var error))
                {
                    return (null, error);
                }

                ulong? changedSince = null;
                if (a.Count == 3)
                {
                    // (CHANGEDSINCE n) -- RFC 7162 section 3.1.4.
                    var modifier = a[2];
                    if (modifier.Kind != ImapTokenKind.List || modifier.Children.Count != 2 || !modifier.Children[0].Text.Equals("CHANGEDSINCE", StringComparison.OrdinalIgnoreCase)
                        || !ulong.TryParse(modifier.Children[1].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var cs))
                    {
                        return (null, "Unknown fetch modifier.");
                    }

                    changedSince = cs;
                    if (!items.Any(i => i.Attribute == FetchAttribute.ModSeq))
                    {
                        items.Add(new FetchItem(FetchAttribute.ModSeq));
                    }
                }

                if (uid && !items.Any(i => i.Attribute == FetchAttribute.Uid))
                {
                    items.Insert(0, new FetchItem(FetchAttribute.Uid));
                }

                return (new FetchCommand(tag, uid, set, items, changedSince), null);
            }

            case "STORE":
                return ParseStore(tag, uid, a);
            case "COPY" or "MOVE":
                return a.Count == 2 && Set(a[0]) is { } s && Mailbox(a[1]) is { } dest
                    ? (new CopyCommand(tag, uid, verb == "MOVE", s, dest), null)
                    : (null, a.Count == 2 && Set(a[0]) is null ? "Invalid messageset" : null);
            case "ENABLE":
                return a.Count > 0 && a.All(x => x.Kind == ImapTokenKind.Atom)
                    ? (new EnableCommand(tag, a.Select(x => x.Text.ToUpperInvariant()).ToList()), null)
                    : (null, null);
            case "ID":
            {
                if (a.Count != 1)
                {
                    return (null, null);
                }

                if (a[0].IsNil)
                {
                    return (new IdCommand(tag, null), null);
                }

                var list = a[0];
                if (list.Kind != ImapTokenKind.List || list.Children.Count % 2 != 0 || list.Children.Count > 60)
                {
                    return (null, null);
                }

                var pairs = new List<KeyValuePair<string, string?>>();
                for (var i = 0; i < list.Children.Count; i += 2)
                {
                    var key = list.Children[i];
                    var value = list.Children[i + 1];
                    if (key.Kind != ImapTokenKind.String || (value.Kind != ImapTokenKind.String && !value.IsNil))
                    {
                        return (null, null);
                    }

                    pairs.Add(new(key.Text, value.IsNil ? null : value.Text));
                }

                return (new IdCommand(tag, pairs), null);
            }

            default:
                return (null, "Unknown command " + verb + ".");
        }
    }

    private static ImapSequenceSet? Set(ImapToken token) =>
        token.Kind == ImapTokenKind.Atom && ImapSequenceSet.TryParse(token.Text, out var set) ? set : null;

    private static string? Mailbox(ImapToken token) => token.IsAString ? NormalizeInbox(token.Text) : null;

    private static string NormalizeInbox(string name) =>
        name.Equals("INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX"
        : name.StartsWith("INBOX/", StringComparison.OrdinalIgnoreCase) || name.StartsWith("INBOX.", StringComparison.OrdinalIgnoreCase) ? "INBOX" + name[5..]
        : name;
}
