using System.Globalization;
using Posthorn.Core.Config;

namespace Posthorn.Core.Queue;

/// <summary>
/// The queue under queue_directory (postconf(5)): where each queue file lives and how it gets
/// there. Queues named in hash_queue_names (default "deferred, defer") are spread over
/// hash_queue_depth levels of one-character subdirectories taken from the queue id, as Postfix's
/// mail_queue_dir() does: with depth 2, deferred/3/F/3F2A11B2C4. Long queue ids
/// (enable_long_queue_ids) hash by their microseconds, so both forms share the layout.
/// New files are entered as Postfix's mail_queue_enter() does: created under a temporary name,
/// then renamed to an id made from the arrival time and the file's inode number.
/// </summary>
public sealed class QueueDirectory
{
    private readonly HashSet<string> _hashed;
    private readonly IDurableFileSystem _fs;
    private readonly TimeProvider _time;

    public QueueDirectory(string queueDirectory, int hashQueueDepth, IEnumerable<string> hashQueueNames,
        bool longQueueIds, IDurableFileSystem? fileSystem = null, TimeProvider? time = null)
    {
        Root = queueDirectory;
        HashDepth = Math.Max(0, hashQueueDepth);
        _hashed = new HashSet<string>(hashQueueNames, StringComparer.OrdinalIgnoreCase);
        LongQueueIds = longQueueIds;
        _fs = fileSystem ?? DurableFile.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>From main.cf: queue_directory, hash_queue_depth, hash_queue_names, enable_long_queue_ids.</summary>
    public static QueueDirectory FromConfig(MainConfig config, IDurableFileSystem? fileSystem = null, TimeProvider? time = null) =>
        new(config.Get("queue_directory"), config.GetInt("hash_queue_depth"),
            config.GetList("hash_queue_names"), config.GetBool("enable_long_queue_ids"), fileSystem, time);

    public string Root { get; }

    public int HashDepth { get; }

    public bool LongQueueIds { get; }

    public IDurableFileSystem FileSystem => _fs;

    /// <summary>True when the queue is spread over hashed subdirectories.</summary>
    public bool IsHashed(string queueName) => HashDepth > 0 && _hashed.Contains(queueName);

    /// <summary>The directory holding the file, relative to queue_directory: "deferred/3/F/".</summary>
    public static string RelativeDirectory(string queueName, string queueId, int depth, bool hashed)
    {
        if (!QueueNames.IsValid(queueName))
            throw new ArgumentException($"bad queue name: {queueName}", nameof(queueName));
        if (!QueueId.IsValid(queueId))
            throw new ArgumentException($"bad queue id: {queueId}", nameof(queueId));
        var dir = queueName + "/";
        if (!hashed)
            return dir;
        var key = QueueId.HashKey(queueId);
        for (int i = 0; i < depth; i++)
            dir += (i < key.Length ? key[i] : '_') + "/";
        return dir;
    }

    /// <summary>The full path of a queue file.</summary>
    public string PathOf(string queueName, string queueId) =>
        Path.Combine(Root, RelativeDirectory(queueName, queueId, HashDepth, IsHashed(queueName)) + queueId);

    /// <summary>Creates queue_directory and every queue directory (mode 0700) that is missing.</summary>
    public void EnsureDirectories()
    {
        foreach (var name in QueueNames.All)
            DurableFile.CreateDirectory(Path.Combine(Root, name));
    }

    /// <summary>
    /// Creates a new queue file in <paramref name="queueName"/> (normally incoming or maildrop)
    /// and returns a writer positioned after its first record. The id is final from here on.
    /// </summary>
    public QueueFileWriter Enter(string queueName)
    {
        var queueDir = Path.Combine(Root, queueName);
        if (!Directory.Exists(queueDir))
            DurableFile.CreateDirectory(queueDir);
        FileStream? file = null;
        string temp;
        while (true)
        {
            temp = Path.Combine(queueDir, string.Create(CultureInfo.InvariantCulture,
                $"{_time.GetUtcNow().Ticks / 10 % 1_000_000}.{Environment.ProcessId}.{Random.Shared.Next()}"));
            try
            {
                file = _fs.CreateNew(temp);
                break;
            }
            catch (IOException) when (File.Exists(temp))
            {
                // Someone raced us to this name; try another.
            }
        }
        try
        {
            ulong inode = _fs.GetInode(temp);
            for (int attempt = 0; ; attempt++)
            {
                var id = QueueId.Create(_time.GetUtcNow(), inode, LongQueueIds);
                var path = PathOf(queueName, id);
                try
                {
                    _fs.Rename(temp, path);
                    return new QueueFileWriter(_fs, file, path, id);
                }
                catch (IOException) when (attempt < 1000 && File.Exists(path))
                {
                    // An id collision cannot happen for files that exist at once; retry anyway.
                }
            }
        }
        catch
        {
            file.Dispose();
            try
            {
                _fs.Delete(temp);
            }
            catch (IOException)
            {
                // Nothing more to do; the temporary name is not a queue id and is ignored.
            }
            throw;
        }
    }

    /// <summary>
    /// Moves a queue file to another queue (e.g. incoming to active). With <paramref name="sync"/>
    /// (the default) both directories are fsynced, so the move itself survives a system crash.
    /// The queue manager passes false, as Postfix's qmgr renames without fsync: the file's content
    /// is already durable and rename(2) is atomic, so a crash leaves it in one queue or the other.
    /// </summary>
    public void Move(string queueId, string fromQueue, string toQueue, bool sync = true)
    {
        var from = PathOf(fromQueue, queueId);
        var to = PathOf(toQueue, queueId);
        _fs.Rename(from, to);
        if (!sync)
            return;
        var toDir = Path.GetDirectoryName(to) ?? Root;
        var fromDir = Path.GetDirectoryName(from) ?? Root;
        _fs.SyncDirectory(toDir);
        if (fromDir != toDir)
            _fs.SyncDirectory(fromDir);
    }

    /// <summary>
    /// Moves an unreadable file to the corrupt queue and makes it read-only (0400), as Postfix's
    /// queue manager does with a file its reader called corrupt.
    /// </summary>
    public void MoveToCorrupt(string queueId, string fromQueue)
    {
        Move(queueId, fromQueue, QueueNames.Corrupt);
        _fs.SetMode(PathOf(QueueNames.Corrupt, queueId), UnixFileMode.UserRead);
    }

    /// <summary>
    /// True when the file is complete: committed files are mode 0700 (Postfix's
    /// MAIL_QUEUE_STAT_READY); a file still being written is 0600 and must be left alone.
    /// </summary>
    public static bool IsReady(string path)
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(path);
        try
        {
            return (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sets when a deferred message is next due: as in Postfix, the queue file's modification
    /// time is the next retry time.
    /// </summary>
    public static void SetNextRetry(string path, DateTimeOffset when) => File.SetLastWriteTimeUtc(path, when.UtcDateTime);

    /// <summary>The next retry time of a deferred message (the file's modification time).</summary>
    public static DateTimeOffset NextRetry(string path) => new(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);

    /// <summary>Removes a queue file; false when it did not exist.</summary>
    public bool Remove(string queueName, string queueId)
    {
        var path = PathOf(queueName, queueId);
        if (!File.Exists(path))
            return false;
        _fs.Delete(path);
        return true;
    }

    /// <summary>The queue ids in a queue, walking its hashed subdirectories; temporary files are skipped.</summary>
    public IEnumerable<string> Enumerate(string queueName)
    {
        var dir = Path.Combine(Root, queueName);
        if (!Directory.Exists(dir))
            yield break;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = HashDepth };
        foreach (var file in Directory.EnumerateFiles(dir, "*", options))
        {
            var name = Path.GetFileName(file);
            if (QueueId.IsValid(name))
                yield return name;
        }
    }
}
