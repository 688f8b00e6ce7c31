namespace Posthorn.Core.Users;

/// <summary>
/// The user database for long-running services (smtpd AUTH, pop3d, imapd, lmtpd): reloads the
/// passwd-file when its modification time or size changes, as Dovecot's passwd-file does, so
/// adding a user needs no reload of the mail system. A file that cannot be read keeps the last
/// good copy and reports the error through <see cref="Current"/>'s caller-supplied warning
/// sink. Thread-safe.
/// </summary>
public sealed class UserDatabaseFile
{
    private readonly string _path;
    private readonly Action<string> _warn;
    private readonly object _gate = new();
    private (DateTime Time, long Length) _stamp;
    private UserDatabase _db = UserDatabase.Empty;

    /// <param name="path">The passwd-file.</param>
    /// <param name="warn">Receives parse warnings (<c>FILE:LINE: ...</c>) and read errors, once per load.</param>
    public UserDatabaseFile(string path, Action<string> warn)
    {
        _path = path;
        _warn = warn;
    }

    /// <summary>The database as the file is now.</summary>
    public UserDatabase Current
    {
        get
        {
            lock (_gate)
            {
                try
                {
                    var info = new FileInfo(_path);
                    if (!info.Exists)
                    {
                        if (_stamp != default)
                            _warn($"open {_path}: No such file or directory");
                        _stamp = default;
                        _db = UserDatabase.Empty;
                        return _db;
                    }
                    var stamp = (info.LastWriteTimeUtc, info.Length);
                    if (stamp != _stamp)
                    {
                        var db = PasswdFile.Load(_path);
                        foreach (var w in db.Warnings)
                            _warn(w);
                        _db = db;
                        _stamp = stamp;
                    }
                }
                catch (IOException e)
                {
                    _warn($"open {_path}: {e.Message}");
                }
                catch (UnauthorizedAccessException e)
                {
                    _warn($"open {_path}: {e.Message}");
                }
                return _db;
            }
        }
    }
}
