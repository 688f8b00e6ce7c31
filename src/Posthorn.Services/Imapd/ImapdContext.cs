using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Users;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>What every imapd session shares: main.cf, the settings, the log, TLS, the mailbox resolver.</summary>
internal sealed class ImapdContext(MainConfig config, MailLog log, string processName, ImapdSettings settings, Tls.TlsServerContext? tls)
{
    public MainConfig Config { get; } = config;

    public MailLog Log { get; } = log;

    public string ProcessName { get; } = processName;

    public ImapdSettings Settings { get; } = settings;

    public Tls.TlsServerContext? Tls { get; } = tls;

    /// <summary>Finds a user's mailbox as pop3d, lmtpd and delivery do.</summary>
    public MailStore.UserMailboxLocator Resolver { get; } = new(config);

    public MailboxLockOptions LockOptions { get; } = MailboxLockOptions.FromConfig(config);

    /// <summary>The user database, read again at each login so that edits take effect without a reload.</summary>
    public UserDatabase Users()
    {
        var db = UserDatabase.Load(Config);
        return db;
    }

    public string Hostname => Config.Get("myhostname");
}
