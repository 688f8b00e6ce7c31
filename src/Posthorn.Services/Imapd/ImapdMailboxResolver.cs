using Posthorn.Core.Config;
using Posthorn.Core.Maps;
using Posthorn.Core.Users;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// Finds a logged-in user's mailbox the way delivery does (virtual(8), local(8)): a full address
/// found in virtual_mailbox_maps is under virtual_mailbox_base; otherwise a user with a home
/// directory gets home_mailbox under it, or mail_spool_directory/USER. Should be shared with
/// pop3d's resolver once both are merged.
/// </summary>
internal sealed class ImapdMailboxResolver(MainConfig config, Action<string>? warn = null)
{
    private readonly Lazy<TableList> _virtual = new(() => TableList.FromParameter("virtual_mailbox_maps", config, warn));

    /// <summary>The mailbox path (trailing '/' for a Maildir), or null when the user has none.</summary>
    public string? Resolve(UserEntry user)
    {
        if (user.User.Contains('@', StringComparison.Ordinal) && !_virtual.Value.IsEmpty
            && _virtual.Value.Find(t => AddressLookup.Virtual(t, user.User, config)) is { } match)
        {
            return UserMailStore.VirtualMailboxPath(config, match.Value.Trim());
        }

        if (user.Home.Length > 0)
        {
            return UserMailStore.LocalMailboxPath(config, user.LocalPart, user.Home);
        }

        return null;
    }
}
