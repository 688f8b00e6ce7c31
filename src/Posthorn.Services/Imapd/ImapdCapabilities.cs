using System.Net;

namespace Posthorn.Services.Imapd;

/// <summary>
/// The CAPABILITY list imapd announces: exactly the extensions this service implements (RFC
/// 3501 section 6.1.1), STARTTLS while TLS is available and off, AUTH=PLAIN and AUTH=LOGIN
/// before login, LOGINDISABLED when plaintext logins are refused. Plaintext follows Dovecot's
/// disable_plaintext_auth: allowed over TLS, from loopback or from the server's own address.
/// </summary>
internal static class ImapdCapabilities
{
    public static IReadOnlyList<string> Extensions { get; } =
    [
        "IMAP4rev1", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE",
        "CHILDREN", "SPECIAL-USE",
    ];

    public static IReadOnlyList<string> Mechanisms { get; } = ["PLAIN", "LOGIN"];

    public static string Format(bool loggedIn, bool tlsAvailable, bool tlsActive, bool plaintextAllowed)
    {
        var list = new List<string>(Extensions);
        if (!loggedIn)
        {
            if (tlsAvailable && !tlsActive)
                list.Add("STARTTLS");
            if (plaintextAllowed)
                list.AddRange(Mechanisms.Select(m => "AUTH=" + m));
            else
                list.Add("LOGINDISABLED");
        }
        return string.Join(' ', list);
    }

    /// <summary>Dovecot's rule: plaintext is fine when disabled-plaintext is off, over TLS, or when the client is this host.</summary>
    public static bool PlaintextAllowed(bool disablePlaintext, bool tlsActive, IPAddress? remote, IPAddress? local)
    {
        if (!disablePlaintext || tlsActive)
            return true;
        if (remote is null)
            return false;
        if (remote.IsIPv4MappedToIPv6)
            remote = remote.MapToIPv4();
        if (local is { IsIPv4MappedToIPv6: true })
            local = local.MapToIPv4();
        return IPAddress.IsLoopback(remote) || remote.Equals(local);
    }
}
