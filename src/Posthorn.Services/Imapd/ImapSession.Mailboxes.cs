using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// Authenticated-state commands (RFC 3501 6.3): SELECT/EXAMINE, CREATE, DELETE, RENAME,
/// SUBSCRIBE, UNSUBSCRIBE, LIST/LSUB with SPECIAL-USE attributes (RFC 6154) and CHILDREN,
/// STATUS, APPEND with APPENDUID (RFC 4315). Maildir++ folders through the mail store; every
/// name from the wire is decoded from modified UTF-7 and checked by MailboxName before use.
/// </summary>
internal sealed partial class ImapSession
{
    private SelectedMailbox? _selected;

    /// <summary>The folder the last APPEND went to when it is not the selected one, kept open so that a series of APPENDs does not read the folder again each time.</summary>
    private IMailbox? _appendTarget;

    private UserMailStore UserStore => _store ?? throw new InvalidOperationException("not logged in");

    /// <summary>The store name of a wire name; throws MailboxNameException when it is not acceptable.</summary>
    private static string StoreName(string wire)
    {
        if (MailboxName.IsInbox(wire))
            return MailboxName.Inbox;
        if (!ImapMailboxName.TryFromWire(wire, false, MailboxName.Separator, out var name, out var error))
            throw new MailboxNameException(error ?? "Invalid mailbox name.");
        name = name.TrimEnd(MailboxName.Separator);
        if (!MailboxName.TryValidate(name, out var storeError))
            throw new MailboxNameException(storeError);
        return MailboxName.IsInbox(name) ? MailboxName.Inbox : name;
    }

    private static string? SpecialUse(string name) => name switch
    {
        "Drafts" => "\\Drafts",
        "Sent" => "\\Sent",
        "Trash" => "\\Trash",
        "Junk" => "\\Junk",
        _ => null,
    };

    private void SyncSelected(bool allowExpunge) => _selected?.Sync(_w, allowExpunge);

    private void CloseMailbox()
    {
        _appendTarget?.Dispose();
        _appendTarget = null;
        _selected?.Dispose();
        _selected = null;
    }

    private void Select(SelectCommand c)
    {
        CloseMailbox();
        _state = ImapState.Authenticated;
        var name = StoreName(c.Mailbox);
        var box = UserStore.Open(name); // opening a mailbox reads it (Refresh)
        _selected = new SelectedMailbox(box, c.ReadOnly);
        _state = ImapState.Selected;
        ImapResponses.Select(_w, _selected.State(), condStore: false);
        _w.Tagged(c.Tag, ImapStatus.Ok, c.ReadOnly ? "Examine completed." : "Select completed.", c.ReadOnly ? "READ-ONLY" : "READ-WRITE");
    }

    private void Close(bool expunge)
    {
        if (expunge && _selected is { ReadOnly: false } s)
            s.Box.Expunge();
        CloseMailbox();
        _state = ImapState.Authenticated;
    }

    private void MailboxOp(MailboxCommand c)
    {
        var name = StoreName(c.Mailbox);
        var maildir = UserStore.Maildir;
        switch (c.Verb)
        {
            case "CREATE":
                if (MailboxName.IsInbox(name) || (maildir is not null && maildir.Exists(name)))
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "Mailbox already exists.", "ALREADYEXISTS");
                    return;
                }
                if (maildir is null)
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "An mbox mailbox has INBOX only.", "CANNOT");
                    return;
                }
                if (c.SpecialUse.Count > 0 && (c.SpecialUse.Count > 1 || !string.Equals(SpecialUse(name), c.SpecialUse[0], StringComparison.OrdinalIgnoreCase)))
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "Special-use attributes follow the folder name here.", "USEATTR");
                    return;
                }
                maildir.CreateFolder(name);
                _w.Tagged(c.Tag, ImapStatus.Ok, "Create completed.");
                return;
            case "DELETE":
                if (MailboxName.IsInbox(name) || maildir is null)
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "INBOX can't be deleted.", "CANNOT");
                    return;
                }
                if (maildir.ListFolders().Any(f => f.StartsWith(name + MailboxName.Separator, StringComparison.Ordinal)))
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "Mailbox has children, delete them first.", "CANNOT");
                    return;
                }
                if (_selected is { } s && s.Name == name)
                {
                    CloseMailbox();
                    _state = ImapState.Authenticated;
                }
                if (!maildir.DeleteFolder(name))
                {
                    _w.Tagged(c.Tag, ImapStatus.No, "Mailbox doesn't exist.", "NONEXISTENT");
                    return;
                }
                _w.Tagged(c.Tag, ImapStatus.Ok, "Delete completed.");
                return;
            case "SUBSCRIBE":
                if (maildir is not null && !MailboxName.IsInbox(name))
                    maildir.Subscribe(name);
                _w.Tagged(c.Tag, ImapStatus.Ok, "Subscribe completed.");
                return;
            default:
                if (maildir is not null && !MailboxName.IsInbox(name))
                    maildir.Unsubscribe(name);
                _w.Tagged(c.Tag, ImapStatus.Ok, "Unsubscribe completed.");
                return;
        }
    }

    private void Rename(RenameCommand c)
    {
        var from = StoreName(c.From);
        var to = StoreName(c.To);
        if (UserStore.Maildir is not { } maildir || MailboxName.IsInbox(from) || MailboxName.IsInbox(to))
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Renaming INBOX isn't supported.", "CANNOT");
            return;
        }
        if (maildir.Exists(to))
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Target mailbox already exists.", "ALREADYEXISTS");
            return;
        }
        if (_selected is { } s && (s.Name == from || s.Name.StartsWith(from + MailboxName.Separator, StringComparison.Ordinal)))
        {
            CloseMailbox();
            _state = ImapState.Authenticated;
        }
        maildir.RenameFolder(from, to);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Rename completed.");
    }

    private void List(ListCommand c)
    {
        var verb = c.Lsub ? "LSUB" : "LIST";
        if (!c.Lsub && c.Patterns.Count == 1 && c.Patterns[0].Length == 0)
        {
            _w.Start().Atom("LIST").Flags(["\\Noselect"]).String(MailboxName.Separator.ToString()).String("").EndLine();
            _w.Tagged(c.Tag, ImapStatus.Ok, "List completed.");
            return;
        }

        var all = new HashSet<string>(UserStore.ListFolders(), StringComparer.Ordinal);
        var subscribed = new HashSet<string>(UserStore.Maildir?.Subscriptions() ?? [], StringComparer.Ordinal) { MailboxName.Inbox };
        var listed = c.Lsub ? subscribed : all;
        var names = new SortedSet<string>(listed, StringComparer.Ordinal);
        // Parents that are not listed themselves appear as \Noselect (RFC 3501 6.3.8 and 6.3.9).
        foreach (var f in listed)
        {
            var parts = f.Split(MailboxName.Separator);
            for (int i = 1; i < parts.Length; i++)
                names.Add(string.Join(MailboxName.Separator, parts[..i]));
        }

        var patterns = c.Patterns.Select(p => new ImapListPattern(c.Reference, p, MailboxName.Separator)).ToList();
        foreach (var name in names.OrderBy(n => MailboxName.IsInbox(n) ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            if (!patterns.Any(p => p.Matches(name)))
                continue;
            var attributes = new List<string>();
            if (!listed.Contains(name))
                attributes.Add("\\Noselect");
            if (!c.Lsub)
            {
                var hasChildren = all.Any(n => n.StartsWith(name + MailboxName.Separator, StringComparison.Ordinal));
                attributes.Add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
                if (SpecialUse(name) is { } use)
                    attributes.Add(use);
            }
            ImapResponses.List(_w, verb, attributes, MailboxName.Separator, name, false);
        }
        _w.Tagged(c.Tag, ImapStatus.Ok, c.Lsub ? "Lsub completed." : "List completed.");
    }

    private void Status(StatusCommand c)
    {
        var name = StoreName(c.Mailbox);
        using var box = UserStore.Open(name);
        var messages = box.Refresh();
        var items = new List<KeyValuePair<string, ulong>>();
        foreach (var item in c.Items)
        {
            ulong? value = item switch
            {
                "MESSAGES" => (ulong)messages.Count,
                "RECENT" => _selected is { } s && s.Name == name ? (ulong)s.RecentCount : 0,
                "UIDNEXT" => box.UidNext,
                "UIDVALIDITY" => box.UidValidity,
                "UNSEEN" => (ulong)messages.Count(m => (m.Flags & MessageFlags.Seen) == 0),
                "SIZE" => (ulong)messages.Sum(m => m.VirtualSize),
                "DELETED" => (ulong)messages.Count(m => (m.Flags & MessageFlags.Deleted) != 0),
                _ => null,
            };
            if (value is { } v)
                items.Add(new(item, v));
        }
        ImapResponses.Status(_w, name, items, false);
        SyncSelected(true);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Status completed.");
    }

    private void Append(AppendCommand c)
    {
        var name = StoreName(c.Mailbox);
        IMailbox box;
        try
        {
            if (_selected is { } s && s.Name == name)
            {
                box = s.Box;
            }
            else if (_appendTarget is { } t && t.Name == name && (UserStore.Maildir?.Exists(name) ?? true))
            {
                box = t;
            }
            else
            {
                _appendTarget?.Dispose();
                _appendTarget = null;
                box = UserStore.Open(name);
            }
        }
        catch (MailboxNotFoundException)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Mailbox doesn't exist: " + c.Mailbox, "TRYCREATE");
            return;
        }

        try
        {
            using var content = new MemoryStream(MessageContent.ToLf(c.Message));
            var uid = box.Append(content, ImapFlags.Parse(c.Flags), c.InternalDate ?? DateTimeOffset.Now);
            var validity = box.UidValidity;
            SyncSelected(true);
            _w.Tagged(c.Tag, ImapStatus.Ok, "Append completed.", uid == 0 ? null : ImapResponses.AppendUid(validity, uid));
        }
        catch
        {
            // E.g. the folder went away under a kept target: open it afresh next time.
            if (_selected?.Box != box)
            {
                box.Dispose();
                _appendTarget = null;
            }
            throw;
        }
        if (_selected?.Box != box)
            _appendTarget = box;
    }
}
