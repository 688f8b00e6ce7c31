using Posthorn.Core.Config;

namespace Posthorn.Services.MailStore;

/// <summary>
/// A user's mail as delivery and access both see it, so what local(8)/virtual(8) deliver is
/// what POP3/IMAP read. The mailbox path follows Postfix's rules: a path ending in '/' is a
/// Maildir (virtual(5), <c>home_mailbox</c>), otherwise an mbox file. A Maildir is a
/// <see cref="MaildirStore"/> with Maildir++ folders; an mbox is a store with INBOX only.
/// </summary>
public sealed class UserMailStore
{
    private readonly MailboxLockOptions _lockOptions;

    private UserMailStore(string mailboxPath, MailboxLockOptions lockOptions)
    {
        MailboxPath = mailboxPath;
        _lockOptions = lockOptions;
        Maildir = IsMaildirPath(mailboxPath) ? new MaildirStore(mailboxPath.TrimEnd('/'), lockOptions) : null;
    }

    /// <summary>The mailbox as configured (with its trailing '/' for a Maildir).</summary>
    public string MailboxPath { get; }

    /// <summary>The Maildir++ store, or null for an mbox.</summary>
    public MaildirStore? Maildir { get; }

    public static bool IsMaildirPath(string path) => path.EndsWith('/');

    public static UserMailStore For(string mailboxPath, MailboxLockOptions? lockOptions = null) =>
        new(mailboxPath, lockOptions ?? MailboxLockOptions.Default);

    /// <summary>
    /// A virtual user's mailbox: <c>virtual_mailbox_base</c> joined with the
    /// <c>virtual_mailbox_maps</c> result (virtual(8)), which must be relative and stay inside the base.
    /// </summary>
    public static string VirtualMailboxPath(MainConfig config, string mapResult)
    {
        var baseDir = config.Get("virtual_mailbox_base");
        if (mapResult.Length == 0 || mapResult.StartsWith('/') || mapResult.Split('/').Any(p => p == ".."))
            throw new MailboxNameException($"bad virtual_mailbox_maps result: \"{mapResult}\"");
        return Path.Join(baseDir, mapResult);
    }

    /// <summary>
    /// A local user's mailbox (local(8)): <c>home_mailbox</c> under the home directory when
    /// set, else <c>mail_spool_directory</c>/USER (a Maildir when that parameter ends in '/').
    /// </summary>
    public static string LocalMailboxPath(MainConfig config, string user, string home)
    {
        var homeMailbox = config.Get("home_mailbox");
        if (homeMailbox.Length > 0)
            return Path.Join(home, homeMailbox);
        var spool = config.Get("mail_spool_directory");
        return IsMaildirPath(spool) ? Path.Join(spool, user) + "/" : Path.Join(spool, user);
    }

    public IReadOnlyList<string> ListFolders() => Maildir?.ListFolders() ?? [MailboxName.Inbox];

    /// <summary>Opens a folder; an mbox store has INBOX only.</summary>
    public IMailbox Open(string name)
    {
        if (Maildir is not null)
            return Maildir.Open(name);
        if (!MailboxName.IsInbox(name))
        {
            MailboxName.ToDirectoryName(name);
            throw new MailboxNotFoundException($"mailbox {name} does not exist");
        }
        return MboxMailbox.Open(MailboxPath, lockOptions: _lockOptions);
    }

    /// <summary>Delivers a message (local/virtual/LMTP) into INBOX or, for a Maildir, a validated folder.</summary>
    public void Deliver(Stream content, string sender, DateTimeOffset arrival, string? folder = null)
    {
        if (Maildir is null)
        {
            MboxWriter.Append(MailboxPath, sender, arrival.LocalDateTime, content, _lockOptions);
            return;
        }
        var path = folder is null || MailboxName.IsInbox(folder) ? Maildir.Root : Maildir.FolderPath(folder);
        if (folder is not null && !Maildir.Exists(folder))
            throw new MailboxNotFoundException($"mailbox {folder} does not exist");
        MaildirWriter.Deliver(path, content, arrival);
    }
}
