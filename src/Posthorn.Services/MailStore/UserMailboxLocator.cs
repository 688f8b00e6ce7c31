using Posthorn.Core.Config;
using Posthorn.Core.Maps;
using Posthorn.Core.Users;

namespace Posthorn.Services.MailStore;

/// <summary>
/// Finds the mailbox of a user of <c>posthorn_user_database</c> the way delivery does, so that
/// what lmtpd, local(8) and virtual(8) deliver is what pop3d and imapd read (docs/pop3d.md):
/// <list type="number">
/// <item>the entry's extra field <c>mail</c> (or <c>userdb_mail</c>), Dovecot's mail location:
/// <c>maildir:PATH</c>, <c>mbox:PATH</c> or a bare path (a Maildir when it ends in '/'), with
/// <c>~</c> meaning the entry's home; it must be absolute;</item>
/// <item>for an address user (<c>bob@example.com</c>): <c>virtual_mailbox_maps</c> (virtual(5)
/// search order) under <c>virtual_mailbox_base</c>, as virtual(8);</item>
/// <item>otherwise, with a home directory or for a bare user name: local(8)'s rule,
/// <c>home_mailbox</c> under the home, else <c>mail_spool_directory</c>/USER.</item>
/// </list>
/// A user name that would leave the spool directory (<c>/</c>, <c>..</c>, NUL) is refused.
/// </summary>
public sealed class UserMailboxLocator
{
    private readonly MainConfig _config;

    public UserMailboxLocator(MainConfig config) => _config = config;

    /// <summary>The mailbox path (a trailing '/' means Maildir).</summary>
    /// <exception cref="MailboxNameException">No rule gives a usable path.</exception>
    /// <exception cref="TableLookupException">virtual_mailbox_maps cannot answer (a temporary failure).</exception>
    public string Locate(UserEntry entry)
    {
        var mail = entry.ExtraFields.GetValueOrDefault("mail") ?? entry.ExtraFields.GetValueOrDefault("userdb_mail");
        if (!string.IsNullOrEmpty(mail))
            return FromMailLocation(mail, entry.Home);
        if (entry.Domain is not null)
        {
            var maps = TableList.FromParameter("virtual_mailbox_maps", _config);
            var hit = maps.Find(t => AddressLookup.Virtual(t, entry.User.ToLowerInvariant(), _config));
            if (hit is not null)
                return UserMailStore.VirtualMailboxPath(_config, hit.Value.Trim());
            if (entry.Home.Length == 0)
                throw new MailboxNameException($"no mailbox for {entry.User}: not in virtual_mailbox_maps and no home directory");
        }
        var name = entry.LocalPart;
        CheckUserName(name);
        if (entry.Home.Length == 0 && _config.Get("home_mailbox").Length > 0)
            throw new MailboxNameException($"no home directory for {entry.User} (home_mailbox is set)");
        if (entry.Home.Length > 0 && !Path.IsPathRooted(entry.Home))
            throw new MailboxNameException($"home directory of {entry.User} is not absolute: {entry.Home}");
        return UserMailStore.LocalMailboxPath(_config, name, entry.Home);
    }

    /// <summary>Dovecot's mail location: <c>maildir:~/Maildir</c>, <c>mbox:/var/mail/u</c>, or a path.</summary>
    public static string FromMailLocation(string location, string home)
    {
        bool? maildir = null;
        var path = location;
        if (location.StartsWith("maildir:", StringComparison.OrdinalIgnoreCase))
        {
            maildir = true;
            path = location["maildir:".Length..];
        }
        else if (location.StartsWith("mbox:", StringComparison.OrdinalIgnoreCase))
        {
            maildir = false;
            path = location["mbox:".Length..];
        }
        int colon = path.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
            path = path[..colon]; // Dovecot's options (:INBOX=..., :LAYOUT=...) are not used
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            if (home.Length == 0)
                throw new MailboxNameException($"mail location {location} needs a home directory");
            path = Path.Join(home, path[1..]);
        }
        if (!Path.IsPathRooted(path) || path.Contains('\0', StringComparison.Ordinal) || path.Split('/').Any(p => p == ".."))
            throw new MailboxNameException($"bad mail location: \"{location}\"");
        if (maildir == true && !path.EndsWith('/'))
            path += "/";
        if (maildir == false)
            path = path.TrimEnd('/');
        return path;
    }

    private static void CheckUserName(string name)
    {
        if (name.Length == 0 || name == "." || name == ".." || name.IndexOfAny(['/', '\0', '\n']) >= 0)
            throw new MailboxNameException($"unsafe user name for a mailbox path: \"{name}\"");
    }
}
