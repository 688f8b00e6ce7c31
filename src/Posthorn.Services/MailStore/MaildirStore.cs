namespace Posthorn.Services.MailStore;

/// <summary>
/// A user's Maildir++ store (the format of Courier and Dovecot's default Maildir layout):
/// the root Maildir is INBOX; folder <c>a.b</c> is the Maildir <c>ROOT/.a.b</c> holding an
/// empty <c>maildirfolder</c> file; subscribed folders are listed one a line in
/// <c>ROOT/subscriptions</c>. Every name from outside goes through
/// <see cref="MailboxName.ToDirectoryName"/>. The usual special folders (Sent, Drafts, Trash,
/// Junk) are made by <see cref="CreateDefaultFolders"/>.
/// </summary>
public sealed class MaildirStore
{
    public const string SubscriptionsFile = "subscriptions";
    public const string MaildirFolderFile = "maildirfolder";

    /// <summary>The special-use folders (RFC 6154) made for a new user.</summary>
    public static IReadOnlyList<string> DefaultFolders { get; } = ["Drafts", "Sent", "Trash", "Junk"];

    private readonly MailboxLockOptions? _lockOptions;

    public MaildirStore(string root, MailboxLockOptions? lockOptions = null)
    {
        Root = root;
        _lockOptions = lockOptions;
    }

    public string Root { get; }

    /// <summary>The Maildir of a folder (the root for INBOX); throws <see cref="MailboxNameException"/> for a bad name.</summary>
    public string FolderPath(string name) => Path.Combine(Root, MailboxName.ToDirectoryName(name));

    public bool Exists(string name) =>
        MailboxName.IsInbox(name) || Directory.Exists(Path.Combine(FolderPath(name), "cur"));

    /// <summary>INBOX, then every folder, sorted.</summary>
    public IReadOnlyList<string> ListFolders()
    {
        var result = new List<string> { MailboxName.Inbox };
        if (!Directory.Exists(Root))
            return result;
        var folders = Directory.EnumerateDirectories(Root)
            .Select(d => MailboxName.FromDirectoryName(Path.GetFileName(d)))
            .Where(n => n is not null && Directory.Exists(Path.Combine(Root, "." + n, "cur")))
            .Select(n => n!)
            .Order(StringComparer.Ordinal);
        result.AddRange(folders);
        return result;
    }

    /// <summary>Makes a folder (a Maildir with a <c>maildirfolder</c> file); false when it already exists.</summary>
    public bool CreateFolder(string name)
    {
        var path = FolderPath(name);
        if (MailboxName.IsInbox(name))
        {
            MaildirWriter.EnsureMaildir(path);
            return false;
        }
        bool existed = Directory.Exists(Path.Combine(path, "cur"));
        MaildirWriter.EnsureMaildir(path);
        var marker = Path.Combine(path, MaildirFolderFile);
        if (!File.Exists(marker))
            File.WriteAllBytes(marker, []);
        return !existed;
    }

    /// <summary>Makes the special folders and subscribes to them.</summary>
    public void CreateDefaultFolders()
    {
        MaildirWriter.EnsureMaildir(Root);
        foreach (var f in DefaultFolders)
        {
            CreateFolder(f);
            Subscribe(f);
        }
    }

    /// <summary>Deletes a folder and its messages (not its children, as IMAP DELETE). INBOX cannot be deleted.</summary>
    public bool DeleteFolder(string name)
    {
        if (MailboxName.IsInbox(name))
            throw new MailboxNameException("INBOX cannot be deleted");
        var path = FolderPath(name);
        if (!Directory.Exists(path))
            return false;
        Directory.Delete(path, recursive: true);
        Unsubscribe(name);
        return true;
    }

    /// <summary>Renames a folder and its children (<c>a</c> → <c>b</c> also moves <c>a.x</c> → <c>b.x</c>).</summary>
    public void RenameFolder(string from, string to)
    {
        if (MailboxName.IsInbox(from) || MailboxName.IsInbox(to))
            throw new MailboxNameException("INBOX cannot be renamed here");
        var src = FolderPath(from);
        var dst = FolderPath(to);
        if (!Directory.Exists(src))
            throw new MailboxNotFoundException($"mailbox {from} does not exist");
        if (Directory.Exists(dst))
            throw new IOException($"mailbox {to} already exists");
        var children = ListFolders().Where(n => n.StartsWith(from + MailboxName.Separator, StringComparison.Ordinal)).ToList();
        Directory.Move(src, dst);
        foreach (var child in children)
            Directory.Move(FolderPath(child), FolderPath(to + child[from.Length..]));
    }

    /// <summary>Opens a folder for POP3/IMAP; INBOX is created when missing, other folders must exist.</summary>
    public MaildirMailbox Open(string name)
    {
        var path = FolderPath(name);
        if (!MailboxName.IsInbox(name) && !Directory.Exists(Path.Combine(path, "cur")))
            throw new MailboxNotFoundException($"mailbox {name} does not exist");
        return new MaildirMailbox(MailboxName.IsInbox(name) ? MailboxName.Inbox : name, path, _lockOptions);
    }

    /// <summary>The subscribed folder names, in file order.</summary>
    public IReadOnlyList<string> Subscriptions()
    {
        var path = Path.Combine(Root, SubscriptionsFile);
        if (!File.Exists(path))
            return [];
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && MailboxName.TryValidate(l, out _)).Distinct(StringComparer.Ordinal).ToList();
    }

    public void Subscribe(string name)
    {
        MailboxName.ToDirectoryName(name);
        EditSubscriptions(list =>
        {
            if (list.Contains(name, StringComparer.Ordinal))
                return false;
            list.Add(name);
            return true;
        });
    }

    public void Unsubscribe(string name) => EditSubscriptions(list => list.RemoveAll(n => n == name) > 0);

    private void EditSubscriptions(Func<List<string>, bool> edit)
    {
        MaildirWriter.MakeDirectory(Root);
        var path = Path.Combine(Root, SubscriptionsFile);
        LockFile.With(path + ".lock", _lockOptions, () =>
        {
            var list = Subscriptions().ToList();
            if (edit(list))
                DurableFile.Replace(path, string.Concat(list.Select(n => n + "\n")));
            return 0;
        });
    }
}

/// <summary>A folder that does not exist (IMAP: NO [NONEXISTENT]).</summary>
public sealed class MailboxNotFoundException : IOException
{
    public MailboxNotFoundException(string message) : base(message) { }

    public MailboxNotFoundException() { }

    public MailboxNotFoundException(string message, Exception inner) : base(message, inner) { }
}
