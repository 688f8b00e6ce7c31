namespace Posthorn.Commands.Postconf;

/// <summary>
/// The lists postconf -m, -l, -a and -A print; the table types come from the lookup-table
/// registry (Core/Maps).
/// </summary>
internal static class PostconfLists
{
    /// <summary>postconf -m: the lookup table types Posthorn supports, from the table registry.</summary>
    public static IReadOnlyList<string> TableTypes => Core.Maps.TableTypes.Names;

    /// <summary>postconf -l: mailbox locking methods, as Postfix prints them on Linux.</summary>
    public static readonly string[] LockMethods = ["flock", "fcntl", "dotlock"];

    /// <summary>postconf -a: SASL server types; "dovecot" is Posthorn's own authentication, spoken as Dovecot's protocol.</summary>
    public static readonly string[] SaslServerTypes = ["dovecot"];

    /// <summary>postconf -A: SASL client types (the SMTP client's own PLAIN/LOGIN).</summary>
    public static readonly string[] SaslClientTypes = ["internal"];
}
