namespace Posthorn.Protocols.Imap;

/// <summary>
/// A parsed SEARCH criterion (RFC 3501 section 6.4.4, RFC 9051 6.4.4, CONDSTORE MODSEQ). The
/// flag keys (ANSWERED, UNSEEN, KEYWORD x, NEW, OLD, ...) become <see cref="SearchFlag"/>
/// combinations; FROM, TO, CC, BCC, SUBJECT become <see cref="SearchHeader"/>.
/// </summary>
public abstract record SearchKey;

/// <summary>ALL.</summary>
public sealed record SearchAll : SearchKey;

/// <summary>A system flag or keyword that must be set (Present) or unset.</summary>
public sealed record SearchFlag(string Flag, bool Present) : SearchKey;

/// <summary>HEADER field string (and FROM/TO/CC/BCC/SUBJECT): case-insensitive substring of the field body; an empty string matches any message with the field.</summary>
public sealed record SearchHeader(string Field, string Value) : SearchKey;

/// <summary>BODY string (body only) or TEXT string (header and body).</summary>
public sealed record SearchText(string Value, bool IncludeHeader) : SearchKey;

/// <summary>Which date a date key compares.</summary>
public enum SearchDateField
{
    /// <summary>The internal date (BEFORE, ON, SINCE).</summary>
    Internal,

    /// <summary>The Date: header (SENTBEFORE, SENTON, SENTSINCE).</summary>
    Sent,
}

/// <summary>How a date key compares.</summary>
public enum SearchDateComparison
{
    Before,
    On,
    Since,
}

/// <summary>A date key; dates compare by day, disregarding time and time zone.</summary>
public sealed record SearchDate(SearchDateField Field, SearchDateComparison Comparison, DateOnly Date) : SearchKey;

/// <summary>LARGER n / SMALLER n on RFC822.SIZE.</summary>
public sealed record SearchSize(bool Larger, long Size) : SearchKey;

/// <summary>A sequence set (message numbers) or UID set.</summary>
public sealed record SearchSet(ImapSequenceSet Set, bool Uid) : SearchKey;

/// <summary>NOT key.</summary>
public sealed record SearchNot(SearchKey Key) : SearchKey;

/// <summary>OR key1 key2.</summary>
public sealed record SearchOr(SearchKey Left, SearchKey Right) : SearchKey;

/// <summary>Keys side by side or in parentheses: all must match.</summary>
public sealed record SearchAnd(IReadOnlyList<SearchKey> Keys) : SearchKey
{
    /// <inheritdoc/>
    public override string ToString() => "SearchAnd (" + string.Join(", ", Keys) + ")";
}

/// <summary>MODSEQ n (CONDSTORE): the message's mod-sequence is at least n.</summary>
public sealed record SearchModSeq(ulong ModSeq) : SearchKey;
