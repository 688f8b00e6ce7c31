namespace Posthorn.Protocols.Pop3;

/// <summary>The states of a POP3 session (RFC 1939 section 3).</summary>
public enum Pop3State
{
    /// <summary>Before a successful login.</summary>
    Authorization,

    /// <summary>Logged in, maildrop locked.</summary>
    Transaction,

    /// <summary>After QUIT in the transaction state; the session is over.</summary>
    Update,

    /// <summary>The session ended (QUIT in authorization, or too many errors).</summary>
    Closed,
}
