namespace Posthorn.Protocols.Imap;

/// <summary>
/// The CAPABILITY list the IMAP server announces (RFC 3501 section 6.1.1 and the extensions this
/// layer parses). Before login it offers STARTTLS (when TLS is available and not active), the
/// SASL mechanisms as AUTH=..., and LOGINDISABLED when plaintext logins are not allowed
/// (Dovecot's disable_plaintext_auth); after login the AUTH entries go.
/// </summary>
public static class ImapCapabilities
{
    /// <summary>Extensions implemented by the protocol layer, in the order they are announced.</summary>
    public static IReadOnlyList<string> Extensions { get; } =
    [
        "IMAP4rev1", "SASL-IR", "LITERAL+", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE",
        "CHILDREN", "SPECIAL-USE", "LIST-EXTENDED", "CONDSTORE", "BINARY", "UTF8=ACCEPT",
    ];

    /// <summary>The capability line text (without "* CAPABILITY ").</summary>
    public static string Format(bool loggedIn, bool tlsAvailable, bool tlsActive, bool plaintextAllowed, IEnumerable<string> mechanisms)
    {
        var list = new List<string>(Extensions);
        if (!loggedIn)
        {
            if (tlsAvailable && !tlsActive)
            {
                list.Add("STARTTLS");
            }

            list.AddRange(mechanisms.Select(m => "AUTH=" + m.ToUpperInvariant()));
            if (!plaintextAllowed)
            {
                list.Add("LOGINDISABLED");
            }
        }

        return string.Join(' ', list);
    }
}
