using System.Text;

namespace Posthorn.Services.MailStore;

/// <summary>
/// The system flags a message carries (RFC 9051 \Seen \Answered \Flagged \Deleted \Draft,
/// plus Maildir's "passed" = forwarded). On disk they are the Maildir info letters
/// (cr.yp.to/proto/maildir.html: P passed, R replied, S seen, T trashed, D draft, F flagged,
/// written in ASCII order after <c>:2,</c>), and in an mbox the <c>Status:</c> (R, O) and
/// <c>X-Status:</c> (A, F, T, D) headers that mutt, s-nail and Dovecot read.
/// </summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "IMAP calls them flags.")]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
    Passed = 32,
}

/// <summary>Conversions between <see cref="MessageFlags"/> and their on-disk letters.</summary>
public static class MessageFlagLetters
{
    private static readonly (char Letter, MessageFlags Flag)[] Maildir =
    [
        ('D', MessageFlags.Draft),
        ('F', MessageFlags.Flagged),
        ('P', MessageFlags.Passed),
        ('R', MessageFlags.Answered),
        ('S', MessageFlags.Seen),
        ('T', MessageFlags.Deleted),
    ];

    /// <summary>Flags from a Maildir info string (the part after <c>:2,</c>); unknown letters are ignored.</summary>
    public static MessageFlags FromMaildir(string letters)
    {
        var f = MessageFlags.None;
        foreach (var (letter, flag) in Maildir)
        {
            if (letters.Contains(letter, StringComparison.Ordinal))
                f |= flag;
        }
        return f;
    }

    /// <summary>
    /// The info letters for <paramref name="flags"/>, keeping the letters of
    /// <paramref name="keep"/> that are not system flags (such as Dovecot's keyword letters a-z),
    /// all in ASCII order as the Maildir specification requires.
    /// </summary>
    public static string ToMaildir(MessageFlags flags, string keep = "")
    {
        var letters = new SortedSet<char>(keep.Where(c => !Array.Exists(Maildir, m => m.Letter == c)));
        foreach (var (letter, flag) in Maildir)
        {
            if ((flags & flag) != 0)
                letters.Add(letter);
        }
        return new string([.. letters]);
    }

    /// <summary>Flags from an mbox message's <c>Status:</c> and <c>X-Status:</c> header values.</summary>
    public static MessageFlags FromMboxStatus(string? status, string? xStatus)
    {
        var f = MessageFlags.None;
        if (status?.Contains('R', StringComparison.Ordinal) == true)
            f |= MessageFlags.Seen;
        if (xStatus is not null)
        {
            if (xStatus.Contains('A', StringComparison.Ordinal))
                f |= MessageFlags.Answered;
            if (xStatus.Contains('F', StringComparison.Ordinal))
                f |= MessageFlags.Flagged;
            if (xStatus.Contains('T', StringComparison.Ordinal))
                f |= MessageFlags.Draft;
            if (xStatus.Contains('D', StringComparison.Ordinal))
                f |= MessageFlags.Deleted;
        }
        return f;
    }

    /// <summary>IMAP's spelling: <c>\Seen \Answered ...</c> (Passed is IMAP's <c>$Forwarded</c> keyword).</summary>
    public static string ToImap(MessageFlags flags)
    {
        var sb = new StringBuilder();
        void Add(MessageFlags f, string name)
        {
            if ((flags & f) == 0)
                return;
            if (sb.Length > 0)
                sb.Append(' ');
            sb.Append(name);
        }
        Add(MessageFlags.Seen, "\\Seen");
        Add(MessageFlags.Answered, "\\Answered");
        Add(MessageFlags.Flagged, "\\Flagged");
        Add(MessageFlags.Deleted, "\\Deleted");
        Add(MessageFlags.Draft, "\\Draft");
        Add(MessageFlags.Passed, "$Forwarded");
        return sb.ToString();
    }
}
