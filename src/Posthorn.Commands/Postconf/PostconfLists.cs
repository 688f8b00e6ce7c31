namespace Posthorn.Commands.Postconf;

/// <summary>
/// The lists postconf -m, -l, -a and -A print. The table types belong to the lookup-table
/// registry (Maps); until it offers the list, it is kept here, in one place.
/// </summary>
internal static class PostconfLists
{
    /// <summary>postconf -m: the lookup table types Posthorn supports.</summary>
    public static readonly string[] TableTypes =
    [
        "cidr", "environ", "fail", "hash", "inline", "internal", "pipemap", "randmap", "regexp", "static",
        "texthash", "unionmap", "unix",
    ];

    /// <summary>postconf -l: mailbox locking methods, as Postfix prints them on Linux.</summary>
    public static readonly string[] LockMethods = ["flock", "fcntl", "dotlock"];

    /// <summary>postconf -a: SASL server types; "dovecot" is Posthorn's own authentication, spoken as Dovecot's protocol.</summary>
    public static readonly string[] SaslServerTypes = ["dovecot"];

    /// <summary>postconf -A: SASL client types (the SMTP client's own PLAIN/LOGIN).</summary>
    public static readonly string[] SaslClientTypes = ["internal"];
}
