using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// Refusing a command before its synchronising literal is sent (RFC 3501 section 7.5): an
/// APPEND to a folder that does not exist gets <c>NO [TRYCREATE]</c>, an APPEND before login
/// <c>BAD</c>, so the client does not upload a message for nothing.
/// </summary>
internal sealed partial class ImapSession
{
    /// <summary>Null to send the continuation; otherwise the tagged reply to send instead.</summary>
    private (string Tag, ImapStatus Status, string? Code, string Text)? RefuseBeforeLiteral(string? pending)
    {
        if (pending is null)
            return null;
        var parts = pending.Split(' ', 3);
        if (parts.Length < 3 || !parts[1].Equals("APPEND", StringComparison.OrdinalIgnoreCase))
            return null;
        var tag = parts[0];
        if (_state == ImapState.NotAuthenticated)
            return (tag, ImapStatus.Bad, null, "Error in IMAP command APPEND: Command not permitted in this state.");
        if (FirstArgument(parts[2]) is not { } wire)
            return null;
        try
        {
            var name = StoreName(wire);
            var exists = UserStore.Maildir is { } maildir ? maildir.Exists(name) : MailboxName.IsInbox(name);
            return exists ? null : (tag, ImapStatus.No, "TRYCREATE", "Mailbox doesn't exist: " + wire);
        }
        catch (MailboxNameException e)
        {
            return (tag, ImapStatus.No, "CANNOT", MailboxError(e.Message));
        }
    }

    /// <summary>The first argument when it is an atom or a quoted string (a literal name is left to the parser).</summary>
    private static string? FirstArgument(string text)
    {
        if (text.StartsWith('"'))
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 1; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\' && i + 1 < text.Length)
                    sb.Append(text[++i]);
                else if (c == '"')
                    return sb.ToString();
                else
                    sb.Append(c);
            }
            return null;
        }
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        var atom = end < 0 ? text : text[..end];
        return atom.Length == 0 || atom.Contains('{', StringComparison.Ordinal) ? null : atom;
    }
}
