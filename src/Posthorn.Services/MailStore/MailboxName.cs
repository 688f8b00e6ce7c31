namespace Posthorn.Services.MailStore;

/// <summary>
/// The one place where a folder name from the network (IMAP LIST/SELECT/CREATE, LMTP's
/// <c>+folder</c> detail) becomes a path. Names use Maildir++'s hierarchy separator '.'
/// (<c>Sent</c>, <c>a.b</c>); INBOX (any case) is the store's root. Rejected: empty names or
/// components (which covers leading, trailing and doubled dots, so ".." never appears), '/',
/// '\', NUL and other control characters, a leading '~', and names longer than 254 bytes
/// (NAME_MAX less the leading dot). Anything accepted maps to a single directory entry
/// <c>.NAME</c> directly under the store, so it cannot leave it.
/// </summary>
public static class MailboxName
{
    /// <summary>The hierarchy separator announced to IMAP clients.</summary>
    public const char Separator = '.';

    public const string Inbox = "INBOX";

    private const int MaxBytes = 254;

    public static bool IsInbox(string name) => string.Equals(name, Inbox, StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks a folder name; <paramref name="error"/> says why it is refused.</summary>
    public static bool TryValidate(string name, out string error)
    {
        error = "";
        if (IsInbox(name))
            return true;
        if (name.Length == 0)
            error = "empty mailbox name";
        else if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxBytes)
            error = "mailbox name too long";
        else if (name.Any(c => c is '/' or '\\' || char.IsControl(c)))
            error = "mailbox name contains '/', '\\' or a control character";
        else if (name.Split(Separator).Any(part => part.Length == 0))
            error = "mailbox name has an empty hierarchy level (leading, trailing or doubled '.')";
        else if (name[0] == '~')
            error = "mailbox name starts with '~'";
        return error.Length == 0;
    }

    /// <summary>The folder's directory name relative to the store root ("" for INBOX, ".a.b" for a.b).</summary>
    /// <exception cref="MailboxNameException">The name is refused.</exception>
    public static string ToDirectoryName(string name)
    {
        if (!TryValidate(name, out var error))
            throw new MailboxNameException(error);
        return IsInbox(name) ? "" : "." + name;
    }

    /// <summary>The folder name of a Maildir++ directory entry (".a.b" → "a.b"), or null when it is not a valid folder.</summary>
    public static string? FromDirectoryName(string entry)
    {
        if (entry.Length < 2 || entry[0] != '.')
            return null;
        var name = entry[1..];
        return TryValidate(name, out _) && !IsInbox(name) ? name : null;
    }
}

/// <summary>A folder name that cannot be used (IMAP answers NO, LMTP falls back to INBOX).</summary>
public sealed class MailboxNameException : ArgumentException
{
    public MailboxNameException(string message) : base(message) { }

    public MailboxNameException() { }

    public MailboxNameException(string message, Exception inner) : base(message, inner) { }
}
