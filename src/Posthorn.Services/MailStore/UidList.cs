using System.Globalization;
using System.Text;

namespace Posthorn.Services.MailStore;

/// <summary>
/// One message in a uid list: its UID, its key (a Maildir base name, or an mbox message's
/// digest), its stored flag letters and, for an mbox, the flag letters its Status/X-Status
/// headers had when last read (so a change made by mutt or s-nail can be noticed).
/// </summary>
public readonly record struct UidEntry(uint Uid, string Key, string Flags, string HeaderFlags = "");

/// <summary>
/// A folder's UID list, so that POP3 UIDL and IMAP UIDs stay the same across restarts and
/// concurrent deliveries (the idea of Dovecot's dovecot-uidlist, in our own format). The file
/// <c>posthorn-uidlist</c> is text, one record a line:
/// <code>
/// posthorn-uidlist 1 UIDVALIDITY UIDNEXT
/// UID TAB KEY [TAB FLAGS [TAB HEADERFLAGS]]
/// </code>
/// UIDs ascend; a key never gets a second UID; UIDNEXT never goes down. Changes happen only
/// under an fcntl lock on <c>posthorn-uidlist.lock</c> and are written by fsync + rename, so
/// readers see either the old or the new list. A missing or unreadable list starts a new
/// UIDVALIDITY (the current time, and above any previous value), as IMAP requires when UIDs
/// cannot be kept (RFC 9051 2.3.1.1).
/// </summary>
public sealed class UidList
{
    public const string FileName = "posthorn-uidlist";
    private const string Magic = "posthorn-uidlist";
    private const int Version = 1;

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    private UidList(uint uidValidity, uint uidNext, List<UidEntry> entries)
    {
        UidValidity = uidValidity;
        UidNext = uidNext;
        Entries = entries;
        Reindex();
    }

    public uint UidValidity { get; private set; }

    public uint UidNext { get; private set; }

    /// <summary>The entries in UID order.</summary>
    public List<UidEntry> Entries { get; }

    public UidEntry? Find(string key) => _index.TryGetValue(key, out var i) ? Entries[i] : null;

    /// <summary>Reads a list without locking (a consistent snapshot, since writers rename); a new empty list when there is none.</summary>
    public static UidList Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return New(0);
        }
        catch (DirectoryNotFoundException)
        {
            return New(0);
        }
        return Parse(text) ?? New(0);
    }

    /// <summary>
    /// Locks the list, reads it, lets <paramref name="change"/> edit it (it returns whether it
    /// changed anything), writes it back when changed, unlocks. <paramref name="change"/> runs
    /// under the lock, so a folder scan done inside it cannot race a concurrent writer.
    /// </summary>
    public static UidList Update(string path, Func<UidList, bool> change, MailboxLockOptions? lockOptions = null)
    {
        return LockFile.With(path + ".lock", lockOptions, () =>
        {
            var list = Read(path);
            if (list.UidValidity == 0)
                list.UidValidity = NewUidValidity(path);
            bool changed = change(list) | !File.Exists(path);
            if (changed)
                DurableFile.Replace(path, list.Format());
            return list;
        });
    }

    /// <summary>
    /// Gives one key (a message APPEND or COPY just stored) its UID without rewriting the list:
    /// under the lock, the key's existing UID when a folder scan already listed it, else a line
    /// "UID TAB KEY" appended (fsynced) with the next UID, which <see cref="Parse"/> counts into
    /// UIDNEXT. Returns 0 when there is no valid list yet (the caller then refreshes the folder).
    /// Reading the list is O(size); rewriting it for every APPEND, with an fsync, made filling a
    /// large folder quadratic.
    /// </summary>
    public static uint AppendKey(string path, string key, MailboxLockOptions? lockOptions = null)
    {
        if (key.Contains('\t', StringComparison.Ordinal) || key.Contains('\n', StringComparison.Ordinal))
            return 0;
        return LockFile.With(path + ".lock", lockOptions, () =>
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (FileNotFoundException)
            {
                return 0u;
            }
            var headEnd = text.IndexOf('\n', StringComparison.Ordinal);
            var head = (headEnd < 0 ? text : text[..headEnd]).Split(' ');
            if (head.Length != 4 || head[0] != Magic || head[1] != "1"
                || !uint.TryParse(head[3], NumberStyles.None, CultureInfo.InvariantCulture, out var next))
                return 0u;
            for (var at = text.IndexOf("\t" + key, StringComparison.Ordinal); at >= 0; at = text.IndexOf("\t" + key, at + 1, StringComparison.Ordinal))
            {
                var after = at + 1 + key.Length;
                if (after < text.Length && text[after] is not ('\n' or '\t'))
                    continue;
                var lineStart = text.LastIndexOf('\n', at) + 1;
                return uint.TryParse(text.AsSpan(lineStart, at - lineStart), NumberStyles.None, CultureInfo.InvariantCulture, out var existing) ? existing : 0u;
            }
            var body = text.TrimEnd('\n');
            var lastStart = body.LastIndexOf('\n') + 1;
            if (lastStart > 0)
            {
                var tab = body.IndexOf('\t', lastStart);
                if (tab < 0 || !uint.TryParse(body.AsSpan(lastStart, tab - lastStart), NumberStyles.None, CultureInfo.InvariantCulture, out var lastUid))
                    return 0u;
                next = Math.Max(next, lastUid + 1);
            }
            if (next == uint.MaxValue)
                return 0u;
            var line = (text.Length > 0 && text[^1] != '\n' ? "\n" : "") + next.ToString(CultureInfo.InvariantCulture) + "\t" + key + "\n";
            // O_APPEND: the line lands at the end whatever offset the stream thinks it has.
            using var fs = NativeFile.Stream(NativeFile.Open(path, NativeFile.OWrOnly | NativeFile.OAppend), FileAccess.Write);
            fs.Write(MaildirFileName.Utf8(line));
            fs.Flush(flushToDisk: true);
            return next;
        });
    }

    /// <summary>
    /// Makes the list match the keys present in the folder: entries whose key is gone are
    /// dropped; new keys get the next UIDs in the order given. <paramref name="initialFlags"/>
    /// gives the stored flags of a new key. Returns whether anything changed.
    /// </summary>
    public bool Sync(IEnumerable<string> presentKeys, Func<string, string>? initialFlags = null)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var key in presentKeys)
        {
            if (key.Contains('\t', StringComparison.Ordinal) || key.Contains('\n', StringComparison.Ordinal) || !present.Add(key))
                continue;
            if (!_index.ContainsKey(key))
                added.Add(key);
        }
        int removed = Entries.RemoveAll(e => !present.Contains(e.Key));
        foreach (var key in added)
            Entries.Add(new UidEntry(UidNext++, key, initialFlags?.Invoke(key) ?? ""));
        if (removed > 0 || added.Count > 0)
            Reindex();
        return removed > 0 || added.Count > 0;
    }

    /// <summary>Sets the stored flag letters of an entry; false when the UID is not listed.</summary>
    public bool SetFlags(uint uid, string flags)
    {
        int i = Entries.FindIndex(e => e.Uid == uid);
        if (i < 0)
            return false;
        Entries[i] = Entries[i] with { Flags = flags };
        return true;
    }

    /// <summary>Replaces the entry with the same key; false when the key is not listed.</summary>
    public bool Replace(UidEntry entry)
    {
        if (!_index.TryGetValue(entry.Key, out var i) || Entries[i].Uid != entry.Uid)
            return false;
        Entries[i] = entry;
        return true;
    }

    internal string Format()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Magic} {Version} {UidValidity} {UidNext}\n");
        foreach (var e in Entries)
        {
            sb.Append(e.Uid.ToString(CultureInfo.InvariantCulture)).Append('\t').Append(e.Key);
            if (e.Flags.Length > 0 || e.HeaderFlags.Length > 0)
                sb.Append('\t').Append(e.Flags);
            if (e.HeaderFlags.Length > 0)
                sb.Append('\t').Append(e.HeaderFlags);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    internal static UidList? Parse(string text)
    {
        var lines = text.Split('\n');
        var head = lines[0].Split(' ');
        if (head.Length != 4 || head[0] != Magic || head[1] != "1"
            || !uint.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out var validity)
            || !uint.TryParse(head[3], NumberStyles.None, CultureInfo.InvariantCulture, out var next) || validity == 0)
            return null;
        var entries = new List<UidEntry>();
        uint last = 0;
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0)
                continue;
            var f = line.Split('\t');
            if (f.Length < 2 || !uint.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid <= last || uid == uint.MaxValue)
                return null;
            // Lines added by AppendKey lie beyond the UIDNEXT of the header line.
            next = Math.Max(next, uid + 1);
            entries.Add(new UidEntry(uid, f[1], f.Length > 2 ? f[2] : "", f.Length > 3 ? f[3] : ""));
            last = uid;
        }
        return new UidList(validity, next, entries);
    }

    private static UidList New(uint validity) => new(validity, 1, []);

    private static uint NewUidValidity(string path)
    {
        uint now = (uint)Math.Clamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1, uint.MaxValue);
        // A list that exists but could not be parsed had some UIDVALIDITY; keep above it if it can be read.
        try
        {
            var head = File.ReadLines(path).FirstOrDefault()?.Split(' ');
            if (head is { Length: >= 3 } && uint.TryParse(head[2], NumberStyles.None, CultureInfo.InvariantCulture, out var old) && old >= now)
                return old + 1;
        }
        catch (IOException)
        {
        }
        return now;
    }

    private void Reindex()
    {
        _index.Clear();
        for (int i = 0; i < Entries.Count; i++)
            _index[Entries[i].Key] = i;
    }
}
