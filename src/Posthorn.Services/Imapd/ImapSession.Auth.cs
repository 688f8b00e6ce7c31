using Posthorn.Core.Users;
using Posthorn.Protocols.Imap;
using Posthorn.Protocols.Sasl;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// LOGIN and AUTHENTICATE (RFC 3501 6.2.2-6.2.3, SASL-IR RFC 4959, PLAIN RFC 4616): credentials
/// checked against posthorn_user_database; a failure waits imapd_login_failure_delay; plaintext
/// is refused without TLS while imapd_disable_plaintext_auth is on (loopback excepted). A login
/// opens the user's mail store (UserMailboxLocator, as pop3d) and makes the special-use folders for a
/// new user.
/// </summary>
internal sealed partial class ImapSession
{
    private string? _user;
    private UserMailStore? _store;

    private async Task LoginAsync(LoginCommand c)
    {
        if (!PlaintextAllowed)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", "PRIVACYREQUIRED");
            return;
        }
        await CompleteLoginAsync(c.Tag, c.User, c.Password, "LOGIN");
    }

    private async Task AuthenticateAsync(AuthenticateCommand c)
    {
        if (!PlaintextAllowed)
        {
            _w.Tagged(c.Tag, ImapStatus.No, "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", "PRIVACYREQUIRED");
            return;
        }
        var (exchange, result) = SaslExchange.Start(c.Mechanism, c.InitialResponse, ImapdCapabilities.Mechanisms);
        while (result.Status == SaslExchangeStatus.Continue)
        {
            _w.Continuation(result.Challenge);
            await FlushAsync();
            var line = await ReadLineAsync();
            if (line is not { } l)
            {
                _state = ImapState.Logout;
                return;
            }
            if (l.TooLong)
            {
                _w.Tagged(c.Tag, ImapStatus.Bad, "Authentication response too long.");
                return;
            }
            result = exchange.Next(l.Line);
        }

        switch (result.Status)
        {
            case SaslExchangeStatus.VerifyPassword when result.Credentials is { } cred:
                if (cred.AuthorizationId.Length > 0 && !cred.AuthorizationId.Equals(cred.AuthenticationId, StringComparison.OrdinalIgnoreCase))
                {
                    await FailLoginAsync(c.Tag, cred.AuthenticationId, c.Mechanism);
                    return;
                }
                await CompleteLoginAsync(c.Tag, cred.AuthenticationId, cred.Password, c.Mechanism);
                return;
            case SaslExchangeStatus.Cancelled:
                _w.Tagged(c.Tag, ImapStatus.Bad, "Authentication aborted by client.");
                return;
            case SaslExchangeStatus.InvalidBase64:
                _w.Tagged(c.Tag, ImapStatus.Bad, "Invalid base64 data in continued response.");
                return;
            case SaslExchangeStatus.UnsupportedMechanism:
                _w.Tagged(c.Tag, ImapStatus.No, "Unsupported authentication mechanism.");
                return;
            default:
                await FailLoginAsync(c.Tag, exchange.AuthenticationId ?? "", c.Mechanism);
                return;
        }
    }

    private async Task CompleteLoginAsync(string tag, string user, string password, string method)
    {
        UserEntry? entry = null;
        try
        {
            entry = _ctx.Users().Find(user);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Posthorn.Core.Config.ConfigException)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"user database: {e.Message}");
            _w.Tagged(tag, ImapStatus.No, "Temporary authentication failure.", "UNAVAILABLE");
            return;
        }

        if (entry is null || !entry.VerifyPassword(password))
        {
            await FailLoginAsync(tag, user, method);
            return;
        }

        string? path;
        try
        {
            path = _ctx.Resolver.Locate(entry);
        }
        catch (Exception e) when (e is IOException or ArgumentException or Posthorn.Core.Config.ConfigException
            or MailStore.MailboxNameException or Core.Maps.TableLookupException)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"{entry.User}: mailbox lookup: {e.Message}");
            path = null;
        }

        if (path is null)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"{entry.User}: no mailbox (not in virtual_mailbox_maps and no home directory)");
            _w.Tagged(tag, ImapStatus.No, "User has no mailbox.", "UNAVAILABLE");
            return;
        }

        _store = UserMailStore.For(path, _ctx.LockOptions);
        if (_store.Maildir is { } maildir && !File.Exists(Path.Combine(maildir.Root, MaildirStore.SubscriptionsFile))
            && !MaildirStore.DefaultFolders.Any(maildir.Exists))
        {
            maildir.CreateDefaultFolders();
        }

        _user = entry.User;
        _state = ImapState.Authenticated;
        _reader = new ImapCommandReader(_ctx.Settings.Limits);
        _ctx.Log.Info(_ctx.ProcessName, $"login: user=<{entry.User}>, method={method}, rip={Client}, lip={_local?.Address}" + (_tlsActive ? ", TLS" : ""));
        _w.Tagged(tag, ImapStatus.Ok, "Logged in", "CAPABILITY " + Capability());
    }

    private async Task FailLoginAsync(string tag, string user, string method)
    {
        _ctx.Log.Warning(_ctx.ProcessName, $"{ClientLog}: {method} authentication failed: user=<{user}>");
        if (_ctx.Settings.LoginFailureDelay > TimeSpan.Zero)
            await Task.Delay(_ctx.Settings.LoginFailureDelay, _stopping);
        _w.Tagged(tag, ImapStatus.No, "Authentication failed.", "AUTHENTICATIONFAILED");
    }
}
