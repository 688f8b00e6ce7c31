using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// Selected-state commands (RFC 3501 6.4): FETCH (ImapFetchWriter; \Seen set by non-PEEK body
/// fetches, with FLAGS added to the response), STORE, SEARCH (ImapSearchEvaluator, ESEARCH for
/// RETURN), COPY/MOVE with COPYUID (RFC 4315, RFC 6851), EXPUNGE and UID EXPUNGE. Sequence
/// number commands never cause EXPUNGE responses (RFC 3501 7.4.1); UID commands may.
/// </summary>
internal sealed partial class ImapSession
{
    private SelectedMailbox Selected => _selected ?? throw new InvalidOperationException("no mailbox selected");

    private static bool BadSet(SelectedMailbox s, ImapSequenceSet set, bool uid) => !uid && set.ExceedsMessageCount(s.Count);

    /// <summary>FETCH responses are sent once this much is buffered, so that memory stays bounded whatever the message count.</summary>
    private const int FetchFlushSize = 128 * 1024;

    /// <summary>Whether a FETCH item needs the message's content (the rest comes from the uid list and the file name).</summary>
    private static bool NeedsContent(FetchItem i) =>
        i.Attribute is not (FetchAttribute.Flags or FetchAttribute.Uid or FetchAttribute.InternalDate or FetchAttribute.Rfc822Size or FetchAttribute.ModSeq);

    /// <summary>Whether a FETCH item is answered from the top-level header alone.</summary>
    private static bool HeaderOnly(FetchItem i) =>
        !NeedsContent(i) || i.Attribute is FetchAttribute.Envelope or FetchAttribute.Rfc822Header
        || (i.Attribute == FetchAttribute.BodySection && i.Section is { Part.Count: 0, Text: SectionText.Header or SectionText.HeaderFields or SectionText.HeaderFieldsNot });

    /// <summary>Whether a search key reads the message body (BODY, TEXT) rather than at most its header.</summary>
    private static bool SearchesHeader(SearchKey key) => key switch
    {
        SearchHeader or SearchDate { Field: not SearchDateField.Internal } => true,
        SearchNot n => SearchesHeader(n.Key),
        SearchOr o => SearchesHeader(o.Left) || SearchesHeader(o.Right),
        SearchAnd a => a.Keys.Any(SearchesHeader),
        _ => false,
    };

    /// <summary>Whether a search key reads the message body (BODY, TEXT) rather than at most its header.</summary>
    private static bool SearchesBody(SearchKey key) => key switch
    {
        SearchText => true,
        SearchNot n => SearchesBody(n.Key),
        SearchOr o => SearchesBody(o.Left) || SearchesBody(o.Right),
        SearchAnd a => a.Keys.Any(SearchesBody),
        _ => false,
    };

    private void Expunge(ImapCommand c, ImapSequenceSet? uids)
    {
        var s = Selected;
        if (s.ReadOnly)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Mailbox is read-only.", "READ-ONLY");
            return;
        }
        var gone = uids is null ? s.Box.Expunge() : ExpungeOnly(s, uids);
        s.Expunged(_w, gone);
        s.Sync(_w, allowExpunge: true);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Expunge completed.");
    }

    /// <summary>
    /// Expunges the \Deleted messages among <paramref name="uids"/> only: other \Deleted
    /// messages lose the flag for the moment of the store's expunge, then get it back.
    /// </summary>
    private static IReadOnlyList<uint> ExpungeOnly(SelectedMailbox s, ImapSequenceSet uids)
    {
        var current = s.Box.Refresh();
        var max = current.Count == 0 ? 0 : current[^1].Uid;
        var keep = current.Where(m => (m.Flags & MessageFlags.Deleted) != 0 && !uids.Contains(m.Uid, max)).ToList();
        foreach (var m in keep)
            s.Box.SetFlags(m.Uid, m.Flags & ~MessageFlags.Deleted);
        try
        {
            return s.Box.Expunge();
        }
        finally
        {
            foreach (var m in keep)
                s.Box.SetFlags(m.Uid, m.Flags);
            s.Box.Refresh();
        }
    }

    private void Search(SearchCommand c)
    {
        if (!c.CharsetSupported)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Unsupported charset.", "BADCHARSET (" + string.Join(' ', SearchCommand.SupportedCharsets) + ")");
            return;
        }
        var s = Selected;
        var results = new List<uint>();
        var body = SearchesBody(c.Key);
        var cache = !body && SearchesHeader(c.Key) ? s.Cache : null;
        var view = s.View;
        for (int i = 0; i < view.Count; i++)
        {
            if (view[i].Gone)
                continue;
            var header = body ? null : cache?.TryGet(view[i].Uid)?.Header;
            var content = header is { Length: > 0 } h ? MessageContent.Lazy(s.Box, view[i].Uid, h) : MessageContent.Lazy(s.Box, view[i].Uid, headerOnly: !body);
            var message = new ImapSearchableMessage(s.Info(i), content);
            if (ImapSearchEvaluator.Matches(c.Key, message, s.Count, s.MaxUid))
                results.Add(c.Uid ? view[i].Uid : (uint)i + 1);
            // The header just read serves the next header search from the cache.
            if (cache is not null && header is not { Length: > 0 } && content.RawHeader is { Length: > 0 } raw)
                cache.Add(view[i].Uid, new ImapCachedMessage([], [], raw));
        }
        cache?.Flush();
        if (c.ReturnOptions.Count > 0)
            ImapResponses.ESearch(_w, c.Tag, c.Uid, c.ReturnOptions, results);
        else
            ImapResponses.Search(_w, results);
        s.Sync(_w, allowExpunge: c.Uid);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Search completed.");
    }

    private async Task FetchAsync(FetchCommand c)
    {
        var s = Selected;
        if (BadSet(s, c.Set, c.Uid))
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, "Error in IMAP command FETCH: Invalid messageset.");
            return;
        }
        if (c.ChangedSince is not null)
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, "Error in IMAP command FETCH: CONDSTORE is not supported.");
            return;
        }

        var items = c.Items.ToList();
        if (c.Uid && !items.Any(i => i.Attribute == FetchAttribute.Uid))
            items.Insert(0, new FetchItem(FetchAttribute.Uid));
        var setsSeen = !s.ReadOnly && items.Any(i => i.SetsSeen);
        var needsContent = items.Any(NeedsContent);
        var headerOnly = items.All(HeaderOnly);
        var anyGone = false;

        var cacheable = items.Any(i => i.Attribute is FetchAttribute.Envelope or FetchAttribute.BodyStructure) && !_w.Utf8Accept;
        var cache = cacheable ? s.Cache : null;
        var fromCacheOnly = items.All(i => !NeedsContent(i) || i.Attribute is FetchAttribute.Envelope or FetchAttribute.BodyStructure);
        try
        {
            foreach (var index in s.Resolve(c.Set, c.Uid))
            {
                var entry = s.View[index];
                if (entry.Gone)
                {
                    anyGone = true;
                    continue;
                }
                ImapMessageContent? content = null;
                var cached = cache?.TryGet(entry.Uid) is { Complete: true } hit ? hit : null;
                if (cached is not null && fromCacheOnly)
                {
                    content = MessageContent.Lazy(s.Box, entry.Uid, headerOnly: true);
                }
                else if (needsContent)
                {
                    content = MessageContent.Load(s.Box, entry.Uid, headerOnly && cache is null);
                    if (content is null)
                    {
                        anyGone = true;
                        continue;
                    }
                }
                if (content is not null && cache is not null)
                {
                    if (cached is not null)
                    {
                        content.Envelope = cached.Envelope;
                        content.BodyStructure = cached.BodyStructure;
                    }
                    else
                    {
                        content.Render(utf8Accept: false);
                        cache.Add(entry.Uid, new ImapCachedMessage(content.Envelope!, content.BodyStructure!, content.HeaderBytes));
                    }
                }
                var itemsHere = items;
                if (setsSeen && (entry.Flags & MessageFlags.Seen) == 0)
                {
                    if (s.Box.SetFlags(entry.Uid, entry.Flags | MessageFlags.Seen))
                        entry.Flags |= MessageFlags.Seen;
                    if (!items.Any(i => i.Attribute == FetchAttribute.Flags))
                        itemsHere = [.. items, new FetchItem(FetchAttribute.Flags)];
                }
                ImapFetchWriter.Write(_w, s.Info(index), itemsHere, content ?? ImapMessageContent.FromBytes([]));
                if (_w.Written.Length >= FetchFlushSize)
                    await FlushAsync();
            }
        }
        finally
        {
            cache?.Flush();
        }

        s.Sync(_w, allowExpunge: c.Uid);
        if (anyGone && !c.Uid)
            _w.Tagged(c.Tag, ImapStatus.No, "Some messages were expunged by another session.", "EXPUNGEISSUED");
        else
            _w.Tagged(c.Tag, ImapStatus.Ok, "Fetch completed.");
    }

    private void Store(StoreCommand c)
    {
        var s = Selected;
        if (BadSet(s, c.Set, c.Uid))
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, "Error in IMAP command STORE: Invalid messageset.");
            return;
        }
        if (s.ReadOnly)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Mailbox is read-only.", "READ-ONLY");
            return;
        }
        if (c.UnchangedSince is not null)
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, "Error in IMAP command STORE: CONDSTORE is not supported.");
            return;
        }

        s.Box.Refresh();
        var flags = ImapFlags.Parse(c.Flags);
        foreach (var index in s.Resolve(c.Set, c.Uid))
        {
            var entry = s.View[index];
            if (entry.Gone)
                continue;
            var current = s.Box.Messages.FirstOrDefault(m => m.Uid == entry.Uid)?.Flags ?? entry.Flags;
            var updated = c.Mode switch
            {
                StoreMode.Add => current | flags,
                StoreMode.Remove => current & ~flags,
                _ => flags,
            };
            if (updated != current && !s.Box.SetFlags(entry.Uid, updated))
                continue;
            entry.Flags = updated;
            if (!c.Silent)
            {
                _w.Start().Number(index + 1).Atom("FETCH").OpenList();
                if (c.Uid)
                    _w.Atom("UID").Number(entry.Uid);
                _w.Atom("FLAGS").Flags(ImapFlags.ToList(updated, s.IsRecent(entry.Uid))).CloseList().EndLine();
            }
        }
        s.Sync(_w, allowExpunge: c.Uid);
        _w.Tagged(c.Tag, ImapStatus.Ok, "Store completed.");
    }

    private void Copy(CopyCommand c)
    {
        var s = Selected;
        var verb = c.Move ? "MOVE" : "COPY";
        if (BadSet(s, c.Set, c.Uid))
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, $"Error in IMAP command {verb}: Invalid messageset.");
            return;
        }
        if (c.Move && s.ReadOnly)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Mailbox is read-only.", "READ-ONLY");
            return;
        }
        var name = StoreName(c.Mailbox);
        IMailbox target;
        try
        {
            target = UserStore.Open(name);
        }
        catch (MailboxNotFoundException)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Mailbox doesn't exist: " + c.Mailbox, "TRYCREATE");
            return;
        }

        var sources = new List<uint>();
        var copies = new List<uint>();
        using (target)
        {
            target.Refresh();
            foreach (var index in s.Resolve(c.Set, c.Uid))
            {
                var entry = s.View[index];
                if (entry.Gone)
                    continue;
                using var stream = s.Box.OpenMessage(entry.Uid);
                if (stream is null)
                    continue;
                var uid = target.Append(stream, entry.Flags, entry.Message.InternalDate);
                sources.Add(entry.Uid);
                copies.Add(uid);
            }
            var code = sources.Count > 0 && copies.All(u => u != 0) ? ImapResponses.CopyUid(target.UidValidity, sources, copies) : null;

            if (c.Move && sources.Count > 0)
            {
                // Send COPYUID untagged before the EXPUNGEs (RFC 6851 section 4.3).
                if (code is not null)
                    _w.Untagged(ImapStatus.Ok, "Moved UIDs.", code);
                s.Box.Refresh();
                foreach (var uid in sources)
                {
                    var m = s.Box.Messages.FirstOrDefault(x => x.Uid == uid);
                    if (m is not null)
                        s.Box.SetFlags(uid, m.Flags | MessageFlags.Deleted);
                }
                var gone = ExpungeOnly(s, ImapSequenceSet.FromNumbers(sources));
                s.Expunged(_w, gone);
                s.Sync(_w, allowExpunge: true);
                _w.Tagged(c.Tag, ImapStatus.Ok, "Move completed.");
                return;
            }

            s.Sync(_w, allowExpunge: c.Uid);
            _w.Tagged(c.Tag, ImapStatus.Ok, "Copy completed.", code);
        }
    }
}
