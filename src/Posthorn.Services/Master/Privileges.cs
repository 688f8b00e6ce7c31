using Posthorn.Core.Config;

namespace Posthorn.Services.Master;

/// <summary>
/// The master's privilege rules (postconf(5) mail_owner, setgid_group): started as root it
/// checks that mail_owner exists and is not privileged, binds what it must, then gives up
/// root for good with setgroups, setgid and setuid, in that order. Started as another user
/// it keeps that user and changes nothing.
/// </summary>
public static class Privileges
{
    /// <summary>
    /// The mail_owner account, checked with Postfix's wording; null when not running as root
    /// (there is nothing to switch to then). Throws <see cref="ConfigException"/>.
    /// </summary>
    public static UnixAccount? MailOwner(MainConfig config)
    {
        if (!UnixAccount.IsRoot)
            return null;
        var name = config.Get("mail_owner");
        var owner = UnixAccount.Find(name)
            ?? throw new ConfigException($"file {config.MainCfPath}: parameter mail_owner: unknown user name value: {name}");
        if (owner.Uid == 0)
            throw new ConfigException($"file {config.MainCfPath}: parameter mail_owner: user {name} has privileged user ID");
        return owner;
    }

    /// <summary>Switches the whole process to <paramref name="owner"/> for good.</summary>
    public static unsafe void DropTo(UnixAccount owner)
    {
        uint gid = owner.Gid;
        if (Libc.setgroups(1, &gid) != 0)
            throw new InvalidOperationException($"setgroups: {Libc.LastError()}");
        if (Libc.setgid(owner.Gid) != 0)
            throw new InvalidOperationException($"setgid({owner.Gid}): {Libc.LastError()}");
        if (Libc.setuid(owner.Uid) != 0)
            throw new InvalidOperationException($"setuid({owner.Uid}): {Libc.LastError()}");
        if (Libc.geteuid() != owner.Uid)
            throw new InvalidOperationException("setuid: the effective user id did not change");
    }
}
