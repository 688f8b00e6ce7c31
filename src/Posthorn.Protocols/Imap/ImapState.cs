namespace Posthorn.Protocols.Imap;

/// <summary>The IMAP connection states (RFC 3501 section 3).</summary>
public enum ImapState
{
    /// <summary>Before LOGIN/AUTHENTICATE.</summary>
    NotAuthenticated,

    /// <summary>Logged in, no mailbox selected.</summary>
    Authenticated,

    /// <summary>A mailbox is selected.</summary>
    Selected,

    /// <summary>After LOGOUT or BYE.</summary>
    Logout,
}

/// <summary>
/// Which commands are valid in which state (RFC 3501 section 6: 6.1 any state, 6.2 not
/// authenticated, 6.3 authenticated or selected, 6.4 selected; and the extensions: ENABLE after
/// login, IDLE/NAMESPACE after login, UNSELECT/MOVE/UID EXPUNGE when selected, ID in any state).
/// A command outside its state gets "tag BAD Command not permitted in this state" — the
/// server's text; Dovecot answers BAD here too.
/// </summary>
public static class ImapStateTable
{
    /// <summary>True when <paramref name="command"/> may run in <paramref name="state"/>.</summary>
    public static bool IsAllowed(ImapCommand command, ImapState state)
    {
        if (state == ImapState.Logout)
        {
            return false;
        }

        return command.Name switch
        {
            "CAPABILITY" or "NOOP" or "LOGOUT" or "ID" => true,
            "STARTTLS" or "AUTHENTICATE" or "LOGIN" => state == ImapState.NotAuthenticated,
            "SELECT" or "EXAMINE" or "CREATE" or "DELETE" or "RENAME" or "SUBSCRIBE" or "UNSUBSCRIBE" or "LIST" or "LSUB"
                or "STATUS" or "APPEND" or "ENABLE" or "IDLE" or "NAMESPACE" => state != ImapState.NotAuthenticated,
            _ => state == ImapState.Selected,
        };
    }
}
