using System.Globalization;

namespace Posthorn.Services.MailStore;

/// <summary>
/// An mbox file opened for POP3/IMAP (a local user's INBOX in <c>mail_spool_directory</c>, or
/// a <c>home_mailbox</c> / virtual mbox). Every access takes the same locks as delivery
/// (<c>mailbox_delivery_lock</c>), so Postfix's local(8), s-nail and this reader never see a
/// half-written message. UIDs and flags live in a <see cref="UidList"/> beside the mailbox
/// (default <c>MAILBOX.posthorn-uidlist</c>), keyed by <see cref="MboxReader"/>'s message
/// digest; when another reader changes a message's Status/X-Status headers, those flags are
/// adopted; the mbox itself is only rewritten by <see cref="Expunge"/>, which compacts it in
/// place (the inode stays, so writers waiting on its lock stay correct) after saving the
/// moved tail to <c>MAILBOX.posthorn-expunge</c>, from which an interrupted expunge is
/// undone on the next open. Flags set here are not written back into Status: headers.
/// </summary>
public sealed class MboxMailbox : IMailbox
{
    private readonly string _path;
    private readonly string _uidListPath;
    private readonly MailboxLockOptions _lockOptions;
    private List<MailMessage> _messages = [];
    private Dictionary<uint, MboxEntry> _entries = [];

    private MboxMailbox(string path, string? uidListPath, MailboxLockOptions? lockOptions)
    {
        _path = path;
        _uidListPath = uidListPath ?? path + ".posthorn-uidlist";
        _lockOptions = lockOptions ?? MailboxLockOptions.Default;
        Refresh();
    }

    /// <summary>Opens an mbox file as INBOX; a missing file is an empty mailbox.</summary>
    public static MboxMailbox Open(string path, string? uidListPath = null, MailboxLockOptions? lockOptions = null) =>
        new(path, uidListPath, lockOptions);

    public string Name => MailboxName.Inbox;

    public uint UidValidity { get; private set; }

    public uint UidNext { get; private set; }

    public IReadOnlyList<MailMessage> Messages => _messages;

    private string ExpungeJournal => _path + ".posthorn-expunge";

    public IReadOnlyList<MailMessage> Refresh()
    {
        if (!File.Exists(_path))
        {
            var empty = UidList.Update(_uidListPath, l => l.Sync([]), _lockOptions);
            Apply(empty, []);
            return _messages;
        }
        WithLockedMailbox(fs =>
        {
            var scanned = MboxReader.Scan(fs);
            Apply(SyncUids(scanned), scanned);
            return 0;
        });
        return _messages;
    }

    public Stream? OpenMessage(uint uid)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (!_entries.TryGetValue(uid, out var e))
                return null;
            var bytes = File.Exists(_path) ? WithLockedMailbox(fs => ReadIfUnchanged(fs, e)) : null;
            if (bytes is not null)
                return new MemoryStream(bytes, writable: false);
            Refresh();
        }
        return null;
    }

    public bool SetFlags(uint uid, MessageFlags flags)
    {
        if (!_entries.ContainsKey(uid))
            return false;
        bool found = false;
        UidList.Update(_uidListPath, l => found = l.SetFlags(uid, MessageFlagLetters.ToMaildir(flags)), _lockOptions);
        int i = _messages.FindIndex(m => m.Uid == uid);
        if (found && i >= 0)
            _messages[i] = _messages[i] with { Flags = flags };
        return found;
    }

    public IReadOnlyList<uint> Expunge()
    {
        var deleted = new HashSet<uint>(_messages.Where(m => (m.Flags & MessageFlags.Deleted) != 0).Select(m => m.Uid));
        if (deleted.Count == 0 || !File.Exists(_path))
            return [];
        var gone = new List<uint>();
        WithLockedMailbox(fs =>
        {
            var scanned = MboxReader.Scan(fs);
            var list = SyncUids(scanned);
            var doomed = scanned.Where(e => list.Find(e.Key) is UidEntry u && deleted.Contains(u.Uid)).ToList();
            if (doomed.Count > 0)
            {
                Compact(fs, scanned, doomed);
                gone.AddRange(doomed.Select(e => list.Find(e.Key)!.Value.Uid));
                scanned = MboxReader.Scan(fs);
                list = SyncUids(scanned);
            }
            Apply(list, scanned);
            return 0;
        });
        return gone;
    }

    public uint Append(Stream content, MessageFlags flags, DateTimeOffset internalDate)
    {
        string? key = null;
        using (var handle = NativeFile.Open(_path, NativeFile.ORdWr | NativeFile.OCreat))
        using (MailboxLock.Acquire(handle, _path, _lockOptions))
        using (var fs = NativeFile.Stream(handle, FileAccess.ReadWrite))
        {
            FinishInterruptedExpunge(fs);
            MboxWriter.AppendLocked(fs, "MAILER-DAEMON", internalDate.LocalDateTime, content);
            var scanned = MboxReader.Scan(fs);
            key = scanned[^1].Key;
            var list = UidList.Update(_uidListPath, l =>
            {
                bool changed = l.Sync(scanned.Select(e => e.Key), k => k == key ? MessageFlagLetters.ToMaildir(flags) : InitialFlags(scanned, k));
                if (l.Find(key) is UidEntry u)
                    changed |= l.Replace(u with { HeaderFlags = MessageFlagLetters.ToMaildir(scanned[^1].Flags) });
                return changed | AdoptHeaderFlags(l, scanned);
            }, _lockOptions);
            Apply(list, scanned);
        }
        return _messages.FirstOrDefault(m => _entries[m.Uid].Key == key)?.Uid ?? 0;
    }

    public string ChangeStamp()
    {
        var m = new FileInfo(_path);
        var u = new FileInfo(_uidListPath);
        return string.Create(CultureInfo.InvariantCulture, $"{(m.Exists ? m.Length : -1)}/{(m.Exists ? m.LastWriteTimeUtc.Ticks : 0)}/{(u.Exists ? u.LastWriteTimeUtc.Ticks : 0)}");
    }

    public void Dispose()
    {
    }

    private T WithLockedMailbox<T>(Func<FileStream, T> action)
    {
        using var handle = NativeFile.Open(_path, NativeFile.ORdWr);
        using var l = MailboxLock.Acquire(handle, _path, _lockOptions);
        using var fs = NativeFile.Stream(handle, FileAccess.ReadWrite);
        FinishInterruptedExpunge(fs);
        return action(fs);
    }

    private UidList SyncUids(List<MboxEntry> scanned) =>
        UidList.Update(_uidListPath, l => l.Sync(scanned.Select(e => e.Key), k => InitialFlags(scanned, k)) | AdoptHeaderFlags(l, scanned), _lockOptions);

    /// <summary>
    /// When a message's Status/X-Status headers differ from what they were when last read,
    /// another mail reader changed them: its flags win over the stored ones.
    /// </summary>
    private static bool AdoptHeaderFlags(UidList list, List<MboxEntry> scanned)
    {
        bool changed = false;
        foreach (var e in scanned)
        {
            var header = MessageFlagLetters.ToMaildir(e.Flags);
            if (list.Find(e.Key) is UidEntry u && u.HeaderFlags != header)
                changed |= list.Replace(u with { Flags = header, HeaderFlags = header });
        }
        return changed;
    }

    private static string InitialFlags(List<MboxEntry> scanned, string key) =>
        MessageFlagLetters.ToMaildir(scanned.First(e => e.Key == key).Flags);

    private void Apply(UidList list, List<MboxEntry> scanned)
    {
        UidValidity = list.UidValidity;
        UidNext = list.UidNext;
        var byKey = scanned.ToDictionary(e => e.Key, StringComparer.Ordinal);
        var date = File.Exists(_path) ? new DateTimeOffset(File.GetLastWriteTimeUtc(_path)) : DateTimeOffset.UtcNow;
        _entries = [];
        var messages = new List<MailMessage>();
        foreach (var u in list.Entries)
        {
            if (!byKey.TryGetValue(u.Key, out var e))
                continue;
            _entries[u.Uid] = e;
            messages.Add(new MailMessage(u.Uid, e.ContentEnd - e.ContentStart, e.VirtualSize, MessageFlagLetters.FromMaildir(u.Flags), FromLineDate(e.FromLine) ?? date));
        }
        _messages = messages;
    }

    /// <summary>The asctime date at the end of a From_ line, read as local time.</summary>
    internal static DateTimeOffset? FromLineDate(string fromLine)
    {
        var parts = fromLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 7)
            return null;
        var text = string.Join(' ', parts[^5..]);
        return DateTime.TryParseExact(text, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var t)
            ? new DateTimeOffset(t) : null;
    }

    private static byte[]? ReadIfUnchanged(FileStream fs, MboxEntry e)
    {
        if (fs.Length < e.End)
            return null;
        var from = System.Text.Encoding.UTF8.GetBytes(e.FromLine + "\n");
        var check = new byte[from.Length];
        fs.Seek(e.Start, SeekOrigin.Begin);
        fs.ReadExactly(check);
        if (!check.AsSpan().SequenceEqual(from))
            return null;
        var data = new byte[e.ContentEnd - e.ContentStart];
        fs.Seek(e.ContentStart, SeekOrigin.Begin);
        fs.ReadExactly(data);
        return data;
    }

    /// <summary>
    /// Removes <paramref name="doomed"/> by sliding the rest of the file down in place. The
    /// tail from the first removed message on is first copied (after its 8-byte offset) to the
    /// journal and fsynced, so a crash midway is repaired by <see cref="FinishInterruptedExpunge"/>.
    /// Copies go through a fixed buffer, so a large mailbox is never held in memory.
    /// </summary>
    private void Compact(FileStream fs, List<MboxEntry> all, List<MboxEntry> doomed)
    {
        long first = doomed.Min(e => e.Start);
        using var journal = new FileStream(ExpungeJournal, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        journal.Write(BitConverter.GetBytes(first));
        fs.Seek(first, SeekOrigin.Begin);
        fs.CopyTo(journal);
        journal.Flush(flushToDisk: true);
        var drop = doomed.Select(e => e.Start).ToHashSet();
        var buffer = new byte[64 * 1024];
        long write = first;
        fs.Seek(first, SeekOrigin.Begin);
        foreach (var e in all.Where(e => e.Start >= first && !drop.Contains(e.Start)))
        {
            journal.Seek(8 + e.Start - first, SeekOrigin.Begin);
            for (long left = e.End - e.Start; left > 0;)
            {
                int n = journal.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n <= 0)
                    throw new IOException($"{ExpungeJournal}: unexpected end of file");
                fs.Write(buffer, 0, n);
                left -= n;
            }
            write += e.End - e.Start;
        }
        fs.SetLength(write);
        fs.Flush(flushToDisk: true);
        journal.Dispose();
        File.Delete(ExpungeJournal);
    }

    private void FinishInterruptedExpunge(FileStream fs)
    {
        if (!File.Exists(ExpungeJournal))
            return;
        using (var journal = new FileStream(ExpungeJournal, FileMode.Open, FileAccess.Read, FileShare.None))
        {
            var head = new byte[8];
            if (journal.Length >= 8 && journal.Read(head, 0, 8) == 8)
            {
                // Put the saved tail back as it was; the expunge is simply not done.
                long offset = BitConverter.ToInt64(head, 0);
                fs.Seek(offset, SeekOrigin.Begin);
                journal.CopyTo(fs);
                fs.SetLength(offset + journal.Length - 8);
                fs.Flush(flushToDisk: true);
            }
        }
        File.Delete(ExpungeJournal);
    }
}
