using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// One session's view of its selected mailbox (RFC 3501 section 2.3.1): the message sequence
/// numbers the client knows, their flags as last announced, and which messages are \Recent to
/// this session. <see cref="Sync"/> brings the view up to date with the store and writes the
/// untagged EXPUNGE, EXISTS, RECENT and FETCH (FLAGS) responses; while EXPUNGE may not be sent
/// (during FETCH, STORE and SEARCH by sequence number, RFC 3501 section 7.4.1) expunged messages
/// stay in the view as gone entries so that numbers do not shift.
/// </summary>
internal sealed class SelectedMailbox : IDisposable
{
    internal sealed class Entry(uint uid, MessageFlags flags, MailMessage message)
    {
        public uint Uid { get; } = uid;
        public MessageFlags Flags { get; set; } = flags;
        public MailMessage Message { get; set; } = message;
        public bool Gone { get; set; }
    }

    private readonly List<Entry> _view = [];
    private ImapFetchCache? _cache;
    private bool _cacheOpened;
    private readonly HashSet<uint> _recent = [];

    public SelectedMailbox(IMailbox box, bool readOnly)
    {
        Box = box;
        ReadOnly = readOnly;
        foreach (var m in box.Messages)
            _view.Add(new Entry(m.Uid, m.Flags, m));
    }

    public IMailbox Box { get; }

    /// <summary>The folder's FETCH cache (Maildir folders only), opened at first use; null when there is none.</summary>
    public ImapFetchCache? Cache
    {
        get
        {
            if (!_cacheOpened)
            {
                _cacheOpened = true;
                if (Box is MaildirMailbox maildir)
                    _cache = ImapFetchCache.Open(maildir.FolderPath, Box.UidValidity, _view.Select(e => e.Uid).ToList());
            }
            return _cache;
        }
    }

    public bool ReadOnly { get; }

    public string Name => Box.Name;

    public IReadOnlyList<Entry> View => _view;

    public uint Count => (uint)_view.Count;

    public uint MaxUid => _view.Count == 0 ? 0 : _view[^1].Uid;

    public bool IsRecent(uint uid) => _recent.Contains(uid);

    public int RecentCount => _recent.Count;

    public ImapMailboxState State()
    {
        uint? firstUnseen = null;
        for (int i = 0; i < _view.Count; i++)
        {
            if ((_view[i].Flags & MessageFlags.Seen) == 0)
            {
                firstUnseen = (uint)i + 1;
                break;
            }
        }
        return new ImapMailboxState(Count, (uint)_recent.Count, Box.UidValidity, Box.UidNext, firstUnseen,
            ImapFlags.Defined,
            ReadOnly ? [] : ImapFlags.Permanent);
    }

    public ImapMessageInfo Info(int index) =>
        new((uint)index + 1, _view[index].Uid, ImapFlags.ToList(_view[index].Flags, IsRecent(_view[index].Uid)),
            _view[index].Message.InternalDate, _view[index].Message.VirtualSize);

    /// <summary>Indexes (0-based) of a sequence set or UID set, ascending; gone entries included.</summary>
    public IReadOnlyList<int> Resolve(ImapSequenceSet set, bool uid)
    {
        var result = new List<int>();
        if (_view.Count == 0)
            return result;
        if (!uid)
        {
            foreach (var n in set.Enumerate(Count))
                result.Add((int)n - 1);
            return result;
        }
        var max = MaxUid;
        for (int i = 0; i < _view.Count; i++)
        {
            if (set.Contains(_view[i].Uid, max))
                result.Add(i);
        }
        return result;
    }

    public int IndexOfUid(uint uid) => _view.FindIndex(e => e.Uid == uid);

    /// <summary>Reads the store and announces what changed; EXPUNGE only when <paramref name="allowExpunge"/>.</summary>
    public void Sync(ImapResponseWriter w, bool allowExpunge)
    {
        var current = Box.Refresh();
        var byUid = new Dictionary<uint, MailMessage>(current.Count);
        foreach (var m in current)
            byUid[m.Uid] = m;

        foreach (var e in _view)
        {
            if (!byUid.ContainsKey(e.Uid))
                e.Gone = true;
        }

        if (allowExpunge)
            WriteExpunges(w);

        var known = new HashSet<uint>(_view.Select(e => e.Uid));
        var before = _view.Count;
        foreach (var m in current)
        {
            if (!known.Contains(m.Uid) && m.Uid > MaxUidIncludingGone())
            {
                _view.Add(new Entry(m.Uid, m.Flags, m));
                _recent.Add(m.Uid);
            }
        }

        if (_view.Count != before)
        {
            w.UntaggedLine($"{_view.Count} EXISTS");
            w.UntaggedLine($"{_recent.Count} RECENT");
        }

        for (int i = 0; i < _view.Count; i++)
        {
            var e = _view[i];
            if (e.Gone || !byUid.TryGetValue(e.Uid, out var m))
                continue;
            e.Message = m;
            if (m.Flags != e.Flags)
            {
                e.Flags = m.Flags;
                w.Start().Number(i + 1).Atom("FETCH").OpenList().Atom("FLAGS").Flags(ImapFlags.ToList(e.Flags, IsRecent(e.Uid))).CloseList().EndLine();
            }
        }
    }

    /// <summary>Removes gone entries, writing "* n EXPUNGE" for each (highest first is not needed: numbers are adjusted as we go).</summary>
    public void WriteExpunges(ImapResponseWriter w)
    {
        for (int i = 0; i < _view.Count;)
        {
            if (_view[i].Gone)
            {
                ImapResponses.Expunge(w, (uint)i + 1);
                _recent.Remove(_view[i].Uid);
                _view.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Marks messages the store no longer has after our own EXPUNGE, then writes their EXPUNGE responses.</summary>
    public void Expunged(ImapResponseWriter w, IEnumerable<uint> uids)
    {
        var set = new HashSet<uint>(uids);
        foreach (var e in _view)
        {
            if (set.Contains(e.Uid))
                e.Gone = true;
        }
        WriteExpunges(w);
    }

    private uint MaxUidIncludingGone() => _view.Count == 0 ? 0 : _view.Max(e => e.Uid);

    public void Dispose()
    {
        _cache?.Dispose();
        Box.Dispose();
    }
}
