using Posthorn.Core.Config;

namespace Posthorn.Core.Users;

/// <summary>
/// The user database shared by SMTP AUTH, POP3, IMAP and the LMTP server's recipient check:
/// a table in Dovecot's passwd-file format named by the main.cf parameter
/// <c>posthorn_user_database</c> (default empty: no users). The value is a file name,
/// optionally written as <c>passwd-file:/path</c>. Users may be bare names (<c>alice</c>) or
/// full addresses (<c>alice@example.com</c>); see <see cref="FindAddress"/>.
/// </summary>
public sealed class UserDatabase
{
    /// <summary>The main.cf parameter that names the user database.</summary>
    public const string ParameterName = "posthorn_user_database";

    private readonly Dictionary<string, UserEntry> _users;

    internal UserDatabase(Dictionary<string, UserEntry> users, IReadOnlyList<string> warnings, string source)
    {
        _users = users;
        Warnings = warnings;
        Source = source;
    }

    /// <summary>An empty database.</summary>
    public static UserDatabase Empty { get; } = new(new(StringComparer.OrdinalIgnoreCase), [], "");

    /// <summary>Problems found while parsing, each <c>FILE:LINE: problem; line ignored</c>.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The file the database came from.</summary>
    public string Source { get; }

    public int Count => _users.Count;

    public IEnumerable<UserEntry> Users => _users.Values;

    /// <summary>The entry whose user name equals <paramref name="user"/> (case-insensitive), or null.</summary>
    public UserEntry? Find(string user) => _users.GetValueOrDefault(user);

    /// <summary>
    /// Looks up a login or recipient address: first the full address, then, when
    /// <paramref name="isLocalDomain"/> says the domain is one whose users are bare names,
    /// the local part alone.
    /// </summary>
    public UserEntry? FindAddress(string address, Func<string, bool>? isLocalDomain = null)
    {
        var e = Find(address);
        if (e is not null)
            return e;
        int at = address.LastIndexOf('@');
        if (at <= 0 || isLocalDomain is null || !isLocalDomain(address[(at + 1)..]))
            return null;
        return Find(address[..at]);
    }

    /// <summary>The file named by <c>posthorn_user_database</c>, or null when it is empty.</summary>
    public static string? PathFrom(MainConfig config)
    {
        var value = config.Get(ParameterName).Trim();
        if (value.Length == 0)
            return null;
        const string prefix = "passwd-file:";
        if (value.StartsWith(prefix, StringComparison.Ordinal))
            value = value[prefix.Length..];
        else if (value.Contains(':', StringComparison.Ordinal))
            throw new ConfigException($"{ParameterName}: unsupported table type in \"{value}\" (only passwd-file is supported)");
        return value;
    }

    /// <summary>Loads the database main.cf names; an empty parameter gives <see cref="Empty"/>.</summary>
    public static UserDatabase Load(MainConfig config) => PathFrom(config) is string path ? PasswdFile.Load(path) : Empty;
}
