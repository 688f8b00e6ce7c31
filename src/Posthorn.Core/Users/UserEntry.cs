namespace Posthorn.Core.Users;

/// <summary>
/// One line of a Dovecot passwd-file (<c>user:password:uid:gid:gecos:home:shell:extra_fields</c>):
/// a user name (bare or a full address), the stored password with its <c>{SCHEME}</c>
/// prefix, optional numeric uid and gid, gecos, home, shell, and the space-separated
/// <c>key=value</c> extra fields (a key without a value, such as <c>nopassword</c>, maps to "").
/// </summary>
public sealed record UserEntry(
    string User,
    string Password,
    int? Uid,
    int? Gid,
    string Gecos,
    string Home,
    string Shell,
    IReadOnlyDictionary<string, string> ExtraFields,
    string Source)
{
    /// <summary>Checks a password against this entry; an empty stored password never matches, unless the <c>nopassword</c> extra field is set.</summary>
    public bool VerifyPassword(string password) =>
        ExtraFields.ContainsKey("nopassword") || PasswordSchemes.Verify(password, Password);

    /// <summary>The local part of an address user name, or the whole bare name.</summary>
    public string LocalPart => User.Contains('@', StringComparison.Ordinal) ? User[..User.LastIndexOf('@')] : User;

    /// <summary>The domain of an address user name, or null for a bare name.</summary>
    public string? Domain => User.Contains('@', StringComparison.Ordinal) ? User[(User.LastIndexOf('@') + 1)..] : null;
}
