using Posthorn.Core.Config;

namespace Posthorn.Services.Master;

/// <summary>
/// Creates the queue directory tree as Postfix's postfix-files and "post-install
/// create-missing" do: <c>$queue_directory</c> (0755, root) with maildrop (1733: world-writable and sticky, see docs/sendmail.md; group
/// setgid_group), public (0710, group setgid_group), pid (0755, root) and the 0700 queues
/// incoming, active, deferred, hold, corrupt, bounce, defer, trace, flush, saved, private,
/// owned by mail_owner. Ownership is set only when running as root; an unprivileged
/// master keeps everything in its own user's name. Existing directories are left as they are.
/// </summary>
public static class QueueDirectories
{
    /// <summary>A queue subdirectory: its name, mode, and whether mail_owner / setgid_group own it.</summary>
    public sealed record Entry(string Name, int Mode, bool MailOwner, bool SetgidGroup);

    private static readonly int Private = Convert.ToInt32("700", 8);

    public static IReadOnlyList<Entry> Entries { get; } =
    [
        new("active", Private, true, false),
        new("bounce", Private, true, false),
        new("corrupt", Private, true, false),
        new("defer", Private, true, false),
        new("deferred", Private, true, false),
        new("flush", Private, true, false),
        new("hold", Private, true, false),
        new("incoming", Private, true, false),
        new("private", Private, true, false),
        new("maildrop", Convert.ToInt32("1733", 8), true, true), // world-writable, sticky: sendmail writes here without setgid (docs/sendmail.md)
        new("public", Convert.ToInt32("710", 8), true, true),
        new("pid", Convert.ToInt32("755", 8), false, false),
        new("saved", Private, true, false),
        new("trace", Private, true, false),
    ];

    /// <summary>The directories of the tree that do not exist, for postfix check.</summary>
    public static IEnumerable<string> Missing(string queueDirectory)
    {
        if (!Directory.Exists(queueDirectory))
        {
            yield return queueDirectory;
            yield break;
        }
        foreach (var e in Entries)
        {
            var p = Path.Combine(queueDirectory, e.Name);
            if (!Directory.Exists(p))
                yield return p;
        }
    }

    /// <summary>
    /// Creates what is missing. <paramref name="owner"/> is mail_owner when running as root
    /// (null otherwise); <paramref name="setgidGroup"/> the setgid_group id when it exists.
    /// Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> naming the path.
    /// </summary>
    public static void Create(string queueDirectory, UnixAccount? owner, uint? setgidGroup)
    {
        if (!Directory.Exists(queueDirectory))
            MakeDirectory(queueDirectory, Convert.ToInt32("755", 8), -1, -1);
        foreach (var e in Entries)
        {
            var p = Path.Combine(queueDirectory, e.Name);
            if (Directory.Exists(p))
                continue;
            int uid = owner is not null && e.MailOwner ? (int)owner.Uid : -1;
            int gid = owner is not null && e.SetgidGroup && setgidGroup is { } g ? (int)g : -1;
            MakeDirectory(p, e.Mode, uid, gid);
        }
    }

    private static void MakeDirectory(string path, int mode, int uid, int gid)
    {
        Directory.CreateDirectory(path);
        // The umask narrows what mkdir grants; set the mode exactly, as post-install does.
        if (Libc.chmod(path, mode) != 0)
            throw new IOException($"chmod {path}: {Libc.LastError()}");
        if ((uid >= 0 || gid >= 0) && Libc.chown(path, uid, gid) != 0)
            throw new IOException($"chown {path}: {Libc.LastError()}");
    }

    /// <summary>The queue directory of a configuration, which must be an absolute path.</summary>
    public static string Of(MainConfig config)
    {
        var q = config.Get("queue_directory");
        if (!Path.IsPathRooted(q))
            throw new ConfigException($"file {config.MainCfPath}: parameter queue_directory: value must be an absolute path: {q}");
        return q;
    }
}
