namespace Posthorn.Services.MailStore;

/// <summary>
/// A Maildir folder opened for POP3/IMAP. Refresh moves messages from <c>new/</c> to
/// <c>cur/</c> (adding the <c>:2,</c> info, as Maildir readers such as Dovecot and mutt do),
/// then brings the folder's <see cref="UidList"/> up to date under its lock, scanning new/
/// before cur/ so a message moved by another reader meanwhile is not missed. Flags live in the
/// file names; a flag change is a rename within cur/. A file renamed by another session is
/// found again by its base name. Internal date = the file's modification time.
/// </summary>
public sealed class MaildirMailbox : IMailbox
{
    private static readonly string[] NewThenCur = ["new", "cur"];
    private static readonly string[] CurThenNew = ["cur", "new"];
    private readonly string _path;
    private readonly MailboxLockOptions _lockOptions;
    private readonly Dictionary<uint, string> _files = [];
    private readonly Dictionary<string, long> _virtualSizes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Size, DateTimeOffset Date)> _stats = new(StringComparer.Ordinal);
    private List<MailMessage> _messages = [];

    internal MaildirMailbox(string name, string path, MailboxLockOptions? lockOptions = null)
    {
        Name = name;
        _path = path;
        _lockOptions = lockOptions ?? MailboxLockOptions.Default;
        MaildirWriter.EnsureMaildir(path);
        CleanTmp(path, DateTime.UtcNow);
        Refresh();
    }

    /// <summary>How old a file in tmp/ must be before a reader removes it (the Maildir specification's 36 hours).</summary>
    public static TimeSpan StaleTmpAge { get; } = TimeSpan.FromHours(36);

    /// <summary>Removes files left in tmp/ by deliveries that died, once they are older than <see cref="StaleTmpAge"/>.</summary>
    internal static int CleanTmp(string maildir, DateTime nowUtc)
    {
        int removed = 0;
        foreach (var file in ListFiles(Path.Combine(maildir, "tmp")))
        {
            var full = Path.Combine(maildir, "tmp", file);
            try
            {
                if (nowUtc - File.GetLastAccessTimeUtc(full) > StaleTmpAge && nowUtc - File.GetLastWriteTimeUtc(full) > StaleTmpAge)
                {
                    File.Delete(full);
                    removed++;
                }
            }
            catch (IOException)
            {
            }
        }
        return removed;
    }

    /// <summary>Opens the Maildir at <paramref name="path"/> directly (INBOX of a virtual mailbox, a delivery target).</summary>
    public static MaildirMailbox Open(string path, string name = MailboxName.Inbox, MailboxLockOptions? lockOptions = null) =>
        new(name, path, lockOptions);

    public string Name { get; }

    /// <summary>The folder's directory (where IMAP keeps its cache file beside the uid list).</summary>
    public string FolderPath => _path;

    public uint UidValidity { get; private set; }

    public uint UidNext { get; private set; }

    public IReadOnlyList<MailMessage> Messages => _messages;

    private string UidListPath => Path.Combine(_path, UidList.FileName);

    public IReadOnlyList<MailMessage> Refresh()
    {
        MoveNewToCur();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var list = UidList.Update(UidListPath, l =>
        {
            names.Clear();
            foreach (var dir in NewThenCur)
            {
                foreach (var file in ListFiles(Path.Combine(_path, dir)))
                    names[MaildirFileName.BaseName(file)] = Path.Combine(dir, file);
            }
            var ordered = names.Keys.OrderBy(MaildirFileName.TimePrefix).ThenBy(MaildirFileName.MicrosecondPrefix).ThenBy(k => k, StringComparer.Ordinal);
            return l.Sync(ordered);
        }, _lockOptions);
        UidValidity = list.UidValidity;
        UidNext = list.UidNext;
        _files.Clear();
        var messages = new List<MailMessage>(list.Entries.Count);
        foreach (var e in list.Entries)
        {
            if (!names.TryGetValue(e.Key, out var rel))
                continue;
            var full = Path.Combine(_path, rel);
            // A message's size and mtime (its internal date) never change, flag renames included: stat each file once.
            if (!_stats.TryGetValue(e.Key, out var stat))
            {
                var info = new FileInfo(full);
                if (!info.Exists)
                    continue;
                _stats[e.Key] = stat = (MaildirFileName.SizeField(e.Key, 'S') ?? info.Length, new DateTimeOffset(info.LastWriteTimeUtc));
            }
            _files[e.Uid] = full;
            long vsize = MaildirFileName.SizeField(e.Key, 'W') ?? VirtualSizeOf(e.Key, full);
            messages.Add(new MailMessage(e.Uid, stat.Size, vsize, MessageFlagLetters.FromMaildir(MaildirFileName.InfoLetters(rel)), stat.Date));
        }
        if (_stats.Count > 2 * messages.Count + 64)
        {
            foreach (var key in _stats.Keys.Where(k => !names.ContainsKey(k)).ToList())
                _stats.Remove(key);
        }
        _messages = messages;
        return _messages;
    }

    public Stream? OpenMessage(uint uid)
    {
        var path = Locate(uid);
        while (path is not null)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                var again = Relocate(uid);
                if (again == path)
                    return null;
                path = again;
            }
        }
        return null;
    }

    public bool SetFlags(uint uid, MessageFlags flags)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var path = attempt == 0 ? Locate(uid) : Relocate(uid);
            if (path is null)
                return false;
            var file = Path.GetFileName(path);
            var target = Path.Combine(_path, "cur", MaildirFileName.WithFlags(MaildirFileName.BaseName(file), flags, MaildirFileName.InfoLetters(file)));
            try
            {
                if (target != path)
                    File.Move(path, target, overwrite: false);
                _files[uid] = target;
                int i = _messages.FindIndex(m => m.Uid == uid);
                if (i >= 0)
                    _messages[i] = _messages[i] with { Flags = flags };
                return true;
            }
            catch (FileNotFoundException)
            {
            }
        }
        return false;
    }

    public IReadOnlyList<uint> Expunge()
    {
        var gone = new List<uint>();
        foreach (var m in _messages.Where(m => (m.Flags & MessageFlags.Deleted) != 0))
        {
            var path = Locate(m.Uid);
            if (path is null)
                continue;
            try
            {
                File.Delete(path);
                gone.Add(m.Uid);
            }
            catch (IOException)
            {
            }
        }
        Refresh();
        return gone;
    }

    public uint Append(Stream content, MessageFlags flags, DateTimeOffset internalDate)
    {
        var path = MaildirWriter.Store(_path, content, internalDate, flags);
        var key = MaildirFileName.BaseName(Path.GetFileName(path));
        // Only this message joins the uid list and the snapshot: no folder scan, no list rewrite.
        var uid = UidList.AppendKey(UidListPath, key, _lockOptions);
        if (uid != 0 && (_messages.Count == 0 || _messages[^1].Uid < uid))
        {
            var info = new FileInfo(path);
            var size = MaildirFileName.SizeField(key, 'S') ?? info.Length;
            _stats[key] = (size, new DateTimeOffset(info.LastWriteTimeUtc));
            _files[uid] = path;
            _messages.Add(new MailMessage(uid, size, MaildirFileName.SizeField(key, 'W') ?? VirtualSizeOf(key, path), flags, _stats[key].Date));
            UidNext = Math.Max(UidNext, uid + 1);
            return uid;
        }
        if (uid != 0)
            return uid;
        Refresh();
        return UidList.Read(UidListPath).Find(key)?.Uid ?? 0;
    }

    public string ChangeStamp()
    {
        long Stamp(string p)
        {
            try
            {
                var i = new FileInfo(p);
                return i.Exists ? i.LastWriteTimeUtc.Ticks ^ i.Length : Directory.GetLastWriteTimeUtc(p).Ticks;
            }
            catch (IOException)
            {
                return 0;
            }
        }
        return $"{Stamp(Path.Combine(_path, "new"))}/{Stamp(Path.Combine(_path, "cur"))}/{Stamp(UidListPath)}";
    }

    public void Dispose()
    {
    }

    private string? Locate(uint uid) => _files.TryGetValue(uid, out var p) ? p : null;

    /// <summary>Finds a message whose file another session renamed (its flags changed).</summary>
    private string? Relocate(uint uid)
    {
        var old = Locate(uid);
        if (old is null)
            return null;
        var baseName = MaildirFileName.BaseName(Path.GetFileName(old));
        foreach (var dir in CurThenNew)
        {
            foreach (var file in ListFiles(Path.Combine(_path, dir)))
            {
                if (MaildirFileName.BaseName(file) == baseName)
                    return _files[uid] = Path.Combine(_path, dir, file);
            }
        }
        _files.Remove(uid);
        return null;
    }

    private void MoveNewToCur()
    {
        foreach (var file in ListFiles(Path.Combine(_path, "new")))
        {
            var target = Path.Combine(_path, "cur", MaildirFileName.WithFlags(MaildirFileName.BaseName(file), MessageFlagLetters.FromMaildir(MaildirFileName.InfoLetters(file)), MaildirFileName.InfoLetters(file)));
            try
            {
                File.Move(Path.Combine(_path, "new", file), target, overwrite: false);
            }
            catch (IOException)
            {
                // Another reader moved it first, or a name clash: the scan finds it either way.
            }
        }
    }

    internal static IEnumerable<string> ListFiles(string dir)
    {
        try
        {
            return Directory.EnumerateFiles(dir).Select(Path.GetFileName).Where(n => n is not null && n[0] != '.').Select(n => n!).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }

    /// <summary>The CRLF size of a message without ,W= in its name (delivered by another program), counted once per session.</summary>
    private long VirtualSizeOf(string key, string path)
    {
        if (!_virtualSizes.TryGetValue(key, out var v))
            _virtualSizes[key] = v = CountVirtualSize(path);
        return v;
    }

    private static long CountVirtualSize(string path)
    {
        try
        {
            // bufferSize 0: read straight into the pooled buffer (a fresh 64 KiB array per message was most of a login's cost).
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 0);
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long total = 0;
                byte previous = 0;
                int n;
                while ((n = fs.Read(buffer)) > 0)
                    total += MaildirFileName.VirtualSize(buffer.AsSpan(0, n), ref previous);
                return total;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
