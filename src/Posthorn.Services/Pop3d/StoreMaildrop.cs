using System.Collections.Concurrent;
using System.Globalization;
using Posthorn.Protocols.Pop3;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// A user's INBOX as a POP3 maildrop (RFC 1939): the snapshot taken at login, sizes with CRLF
/// line ends (the store's virtual size), UIDL <c>{Uid:x8}{UidValidity:x8}</c>: Dovecot's default
/// pop3_uidl_format <c>%08Xu%08Xv</c> (the lecture's <c>000000014fc34a91</c>), built from the
/// store's UID list, so ids survive sessions and restarts and change when UIDVALIDITY does. The maildrop holds the per-mailbox
/// POP3 lock for its lifetime (RFC 1939 section 8: one session at a time; the second login gets
/// -ERR [IN-USE]). UPDATE marks retrieved messages \Seen and expunges the deleted ones; nothing
/// changes on disk before QUIT.
/// </summary>
internal sealed class StoreMaildrop : IPop3Maildrop
{
    private static readonly ConcurrentDictionary<string, byte> Locked = new(StringComparer.Ordinal);

    private readonly string _lockKey;
    private readonly IMailbox _box;
    private readonly IReadOnlyList<MailMessage> _snapshot;
    private int _disposed;

    private StoreMaildrop(string lockKey, IMailbox box)
    {
        _lockKey = lockKey;
        _box = box;
        // Opening the mailbox took its snapshot already: a second scan would double the login time.
        _snapshot = box.Messages;
        Messages = _snapshot.Select(m => new Pop3MessageInfo(m.VirtualSize, Uidl(box.UidValidity, m.Uid))).ToList();
    }

    public IReadOnlyList<Pop3MessageInfo> Messages { get; }

    /// <summary>Total size of the snapshot, for the log.</summary>
    public long TotalSize => _snapshot.Sum(m => m.VirtualSize);

    /// <summary>A POP3 unique id: UID and UIDVALIDITY as eight lower-case hex digits each.</summary>
    public static string Uidl(uint uidValidity, uint uid) =>
        uid.ToString("x8", CultureInfo.InvariantCulture) + uidValidity.ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Takes the POP3 lock on the mailbox and opens INBOX; null when another POP3 session holds
    /// the lock. Store errors (locks, permissions) propagate.
    /// </summary>
    public static StoreMaildrop? TryOpen(string mailboxPath, MailboxLockOptions lockOptions)
    {
        var key = Path.GetFullPath(mailboxPath.TrimEnd('/'));
        if (!Locked.TryAdd(key, 0))
            return null;
        try
        {
            var box = UserMailStore.For(mailboxPath, lockOptions).Open(MailboxName.Inbox);
            try
            {
                return new StoreMaildrop(key, box);
            }
            catch
            {
                box.Dispose();
                throw;
            }
        }
        catch
        {
            Locked.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>
    /// Opens a message for RETR/TOP. A message up to <see cref="InMemoryLimit"/> octets is read
    /// whole with one read (the common case: no thread-pool hop per chunk); a larger one is
    /// streamed from the file.
    /// </summary>
    public ValueTask<Stream> OpenMessageAsync(int index, CancellationToken cancellationToken)
    {
        var stream = _box.OpenMessage(_snapshot[index].Uid);
        if (stream is null)
            return ValueTask.FromResult<Stream>(new MemoryStream([], writable: false));
        if (stream is FileStream file && file.Length <= InMemoryLimit)
        {
            using (file)
            {
                var data = new byte[file.Length];
                int n = 0, read;
                while (n < data.Length && (read = file.Read(data, n, data.Length - n)) > 0)
                    n += read;
                return ValueTask.FromResult<Stream>(new MemoryStream(data, 0, n, writable: false));
            }
        }
        return ValueTask.FromResult(stream);
    }

    /// <summary>Messages up to this size are read into memory for RETR/TOP.</summary>
    internal const int InMemoryLimit = 1024 * 1024;

    public async ValueTask<bool> CommitAsync(IReadOnlyCollection<int> deleted, IReadOnlyCollection<int> retrieved, CancellationToken cancellationToken)
    {
        if (deleted.Count == 0 && retrieved.Count == 0)
            return true;
        return await Task.Run(() =>
        {
            try
            {
                foreach (var i in retrieved.Where(i => !deleted.Contains(i)))
                    _box.SetFlags(_snapshot[i].Uid, _snapshot[i].Flags | MessageFlags.Seen);
                foreach (var i in deleted)
                    _box.SetFlags(_snapshot[i].Uid, _snapshot[i].Flags | MessageFlags.Deleted);
                if (deleted.Count > 0)
                    _box.Expunge();
                return true;
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }, CancellationToken.None);
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _box.Dispose();
            Locked.TryRemove(_lockKey, out _);
        }
        return ValueTask.CompletedTask;
    }
}
