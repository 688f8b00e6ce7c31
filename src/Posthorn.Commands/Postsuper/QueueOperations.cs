using Posthorn.Core.Queue;

namespace Posthorn.Commands.Postsuper;

/// <summary>
/// postsuper(1)'s operations on one queue directory, each an atomic rename or remove so the
/// queue manager can run meanwhile: delete a message with its defer, bounce and trace logs (the
/// logs first, then the message file, as Postfix does), move a message between queues (hold,
/// release, requeue; requeued and released files get the current time, so a deferred file is
/// due at once), and repair the structure (-s: files in the wrong hashed subdirectory are moved
/// where their id says; -p: non-ready files and temporary files older than 7 days removed).
/// </summary>
internal sealed class QueueOperations
{
    private readonly Action<string, string> _report;

    public QueueOperations(QueueDirectory queue, Action<string, string> report)
    {
        Queue = queue;
        _report = report;
    }

    public QueueDirectory Queue { get; }

    /// <summary>Removes the message from the first of the queues that holds it; true when removed.</summary>
    public bool Delete(IEnumerable<string> queues, string id)
    {
        foreach (var q in queues)
        {
            var path = Queue.PathOf(q, id);
            if (!File.Exists(path))
                continue;
            foreach (var log in PostsuperCommand.MessageLogQueues)
                TryDelete(Queue.PathOf(log, id));
            if (TryDelete(path))
            {
                _report(id, "removed");
                return true;
            }
        }
        return false;
    }

    /// <summary>Moves the message from the first of the queues that holds it to <paramref name="to"/>.</summary>
    public bool Move(IEnumerable<string> queues, string id, string to, string what, bool touch = false)
    {
        foreach (var q in queues)
        {
            if (q == to)
                continue;
            var from = Queue.PathOf(q, id);
            if (!File.Exists(from))
                continue;
            try
            {
                Queue.Move(id, q, to);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // Lost a race with the queue manager.
            }
            if (touch)
            {
                try
                {
                    var now = DateTime.UtcNow;
                    File.SetLastWriteTimeUtc(Queue.PathOf(to, id), now);
                    File.SetLastAccessTimeUtc(Queue.PathOf(to, id), now);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _report(id, $"warning: reset time stamps: {e.Message}");
                }
            }
            _report(id, what);
            return true;
        }
        return false;
    }

    /// <summary>
    /// -s and -p: walks each queue; with <paramref name="structure"/> moves misplaced files,
    /// with <paramref name="purge"/> removes stale non-ready and temporary files. Non-file
    /// objects (other than hashed subdirectories) are removed. Returns what was done.
    /// </summary>
    public (List<string> Moved, List<string> Removed) Repair(IEnumerable<string> queues, bool purge, bool structure, DateTimeOffset now)
    {
        var moved = new List<string>();
        var removed = new List<string>();
        foreach (var q in queues.Concat(PostsuperCommand.MessageLogQueues).Distinct())
        {
            var dir = Path.Combine(Queue.Root, q);
            if (!Directory.Exists(dir))
                continue;
            bool messageQueue = !PostsuperCommand.MessageLogQueues.Contains(q);
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = Math.Max(Queue.HashDepth, 4), AttributesToSkip = 0 };
            foreach (var path in Directory.EnumerateFiles(dir, "*", options).ToList())
            {
                var name = Path.GetFileName(path);
                var info = new FileInfo(path);
                bool stale = now - info.LastWriteTimeUtc > PostsuperCommand.MaxTempAge;
                if (!QueueId.IsValid(name))
                {
                    if (purge && messageQueue && stale && TryDelete(path))
                        removed.Add(Relative(path));
                    continue;
                }
                if (purge && messageQueue && stale && !QueueDirectory.IsReady(path) && TryDelete(path))
                {
                    removed.Add(Relative(path));
                    continue;
                }
                var expected = Queue.PathOf(q, name);
                if (structure && path != expected && !File.Exists(expected))
                {
                    try
                    {
                        Queue.FileSystem.Rename(path, expected);
                        moved.Add($"{Relative(path)} as {Relative(expected)}");
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Lost a race; the next run fixes it.
                    }
                }
            }
        }
        return (moved, removed);
    }

    private string Relative(string path) => Path.GetRelativePath(Queue.Root, path);

    private bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
                return false;
            Queue.FileSystem.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
