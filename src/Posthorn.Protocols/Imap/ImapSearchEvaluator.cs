namespace Posthorn.Protocols.Imap;

/// <summary>
/// One message as SEARCH sees it. Metadata is cheap; header values, sent date and texts are
/// read lazily, only when a key needs them, so that flag and size searches never open the file.
/// </summary>
public interface IImapSearchable
{
    /// <summary>Message sequence number.</summary>
    uint SequenceNumber { get; }

    /// <summary>UID.</summary>
    uint Uid { get; }

    /// <summary>System flags (with backslash, \Recent included when it applies) and keywords.</summary>
    IReadOnlyCollection<string> Flags { get; }

    /// <summary>The internal date.</summary>
    DateTimeOffset InternalDate { get; }

    /// <summary>RFC822.SIZE.</summary>
    long Size { get; }

    /// <summary>CONDSTORE mod-sequence (0 when not tracked).</summary>
    ulong ModSeq { get; }

    /// <summary>The parsed Date: header, null when missing or unparsable.</summary>
    DateTimeOffset? SentDate { get; }

    /// <summary>The decoded (RFC 2047) values of every header field with this name (case-insensitive).</summary>
    IEnumerable<string> HeaderValues(string field);

    /// <summary>The whole header as text.</summary>
    string HeaderText();

    /// <summary>The body as decoded text (transfer encodings and charsets undone where possible).</summary>
    string BodyText();
}

/// <summary>
/// Evaluates a parsed <see cref="SearchKey"/> against one message (RFC 3501 section 6.4.4):
/// strings match as case-insensitive substrings, dates compare by day disregarding time and
/// time zone, "*" in sets means the message count or the highest UID. Pure.
/// </summary>
public static class ImapSearchEvaluator
{
    /// <summary>True when <paramref name="message"/> matches <paramref name="key"/>.</summary>
    public static bool Matches(SearchKey key, IImapSearchable message, uint messageCount, uint maxUid) => key switch
    {
        SearchAll => true,
        SearchFlag f => message.Flags.Contains(f.Flag, StringComparer.OrdinalIgnoreCase) == f.Present,
        SearchHeader h => MatchHeader(message, h),
        SearchText t => Contains(message.BodyText(), t.Value) || (t.IncludeHeader && Contains(message.HeaderText(), t.Value)),
        SearchDate d => MatchDate(message, d),
        SearchSize s => s.Larger ? message.Size > s.Size : message.Size < s.Size,
        SearchSet { Uid: true } u => u.Set.Contains(message.Uid, maxUid),
        SearchSet s => s.Set.Contains(message.SequenceNumber, messageCount),
        SearchNot n => !Matches(n.Key, message, messageCount, maxUid),
        SearchOr o => Matches(o.Left, message, messageCount, maxUid) || Matches(o.Right, message, messageCount, maxUid),
        SearchAnd a => a.Keys.All(k => Matches(k, message, messageCount, maxUid)),
        SearchModSeq m => message.ModSeq >= m.ModSeq,
        _ => false,
    };

    private static bool MatchHeader(IImapSearchable message, SearchHeader h)
    {
        foreach (var value in message.HeaderValues(h.Field))
        {
            if (h.Value.Length == 0 || Contains(value, h.Value))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MatchDate(IImapSearchable message, SearchDate d)
    {
        DateTimeOffset? when = d.Field == SearchDateField.Internal ? message.InternalDate : message.SentDate;
        if (when is not { } w)
        {
            return false;
        }

        // The date in the message's own zone, "disregarding time and timezone".
        var day = DateOnly.FromDateTime(w.DateTime);
        return d.Comparison switch
        {
            SearchDateComparison.Before => day < d.Date,
            SearchDateComparison.On => day == d.Date,
            _ => day >= d.Date,
        };
    }

    private static bool Contains(string haystack, string needle) =>
        haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);
}
