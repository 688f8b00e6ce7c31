using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// IMAP system flags (RFC 3501 section 2.3.2) to and from the mail store's Maildir flags;
/// $Forwarded is Maildir's P. Other keywords cannot be stored and so are not in PERMANENTFLAGS.
/// </summary>
internal static class ImapFlags
{
    public static IReadOnlyList<string> Defined { get; } = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "$Forwarded"];

    public static IReadOnlyList<string> Permanent { get; } = Defined;

    public static MessageFlags Parse(IEnumerable<string> flags)
    {
        var f = MessageFlags.None;
        foreach (var flag in flags)
        {
            f |= flag.ToUpperInvariant() switch
            {
                "\\SEEN" => MessageFlags.Seen,
                "\\ANSWERED" => MessageFlags.Answered,
                "\\FLAGGED" => MessageFlags.Flagged,
                "\\DELETED" => MessageFlags.Deleted,
                "\\DRAFT" => MessageFlags.Draft,
                "$FORWARDED" => MessageFlags.Passed,
                _ => MessageFlags.None,
            };
        }
        return f;
    }

    public static IReadOnlyList<string> ToList(MessageFlags flags, bool recent)
    {
        var text = MessageFlagLetters.ToImap(flags);
        var list = text.Length == 0 ? new List<string>() : [.. text.Split(' ')];
        if (recent)
            list.Add("\\Recent");
        return list;
    }
}
