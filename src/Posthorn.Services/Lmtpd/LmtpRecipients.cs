using Posthorn.Core.Maps;
using Posthorn.Core.Users;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// Finds the user of an LMTP recipient in <c>posthorn_user_database</c>, as Dovecot's LMTP
/// server does: the whole address; then the address without its extension
/// (<c>recipient_delimiter</c>, <c>user+ext@domain</c> → <c>user@domain</c>); a domain that is
/// local ($myorigin, $mydestination) also matches bare user names.
/// </summary>
internal static class LmtpRecipients
{
    public static UserEntry? Find(LmtpdSettings settings, string address)
    {
        bool IsLocal(string domain) => AddressLookup.IsLocalDomain(domain, settings.Config);
        var entry = settings.Users.FindAddress(address, IsLocal);
        if (entry is not null || settings.RecipientDelimiter.Length == 0)
            return entry;
        var (local, domain) = AddressLookup.Split(address);
        var (user, extension) = AddressLookup.SplitExtension(local, settings.RecipientDelimiter);
        if (extension is null || user.Length == 0)
            return null;
        return settings.Users.FindAddress(domain is null ? user : user + "@" + domain, IsLocal);
    }
}
