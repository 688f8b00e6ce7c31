namespace Posthorn.Protocols.Imap;

/// <summary>
/// Typed IMAP commands (RFC 3501 section 6, RFC 9051 section 6, and the extensions IDLE RFC 2177,
/// UIDPLUS RFC 4315, MOVE RFC 6851, NAMESPACE RFC 2342, ENABLE RFC 5161, ID RFC 2971, UNSELECT
/// RFC 3691, SASL-IR RFC 4959, LIST-EXTENDED RFC 5258 with SPECIAL-USE RFC 6154, CONDSTORE RFC
/// 7162). Mailbox names are as sent on the wire (astring decoded, "INBOX" in any case folded to
/// INBOX); <see cref="ImapMailboxName"/> turns them into store names.
/// </summary>
public abstract record ImapCommand(string Tag)
{
    /// <summary>The command name as the RFC spells it (e.g. "UID FETCH").</summary>
    public abstract string Name { get; }
}

/// <summary>A command without arguments: CAPABILITY NOOP LOGOUT STARTTLS CHECK CLOSE UNSELECT IDLE NAMESPACE EXPUNGE.</summary>
public sealed record ImapSimpleCommand(string Tag, string Verb) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => Verb;
}

/// <summary>AUTHENTICATE mechanism [initial-response] (RFC 3501 6.2.2, SASL-IR RFC 4959); the initial response is base64 or "=".</summary>
public sealed record AuthenticateCommand(string Tag, string Mechanism, string? InitialResponse) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "AUTHENTICATE";
}

/// <summary>LOGIN user password (RFC 3501 6.2.3).</summary>
public sealed record LoginCommand(string Tag, string User, string Password) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "LOGIN";
}

/// <summary>SELECT or EXAMINE (read-only), with the CONDSTORE select parameter.</summary>
public sealed record SelectCommand(string Tag, string Mailbox, bool ReadOnly, bool CondStore) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => ReadOnly ? "EXAMINE" : "SELECT";
}

/// <summary>CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE on one mailbox; CREATE may carry USE (special-use flags, RFC 6154).</summary>
public sealed record MailboxCommand(string Tag, string Verb, string Mailbox, IReadOnlyList<string> SpecialUse) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => Verb;
}

/// <summary>RENAME existing new.</summary>
public sealed record RenameCommand(string Tag, string From, string To) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "RENAME";
}

/// <summary>LIST / LSUB, with LIST-EXTENDED selection (SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE) and return options (SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS).</summary>
public sealed record ListCommand(string Tag, bool Lsub, string Reference, IReadOnlyList<string> Patterns, IReadOnlyList<string> SelectOptions, IReadOnlyList<string> ReturnOptions, IReadOnlyList<string> ReturnStatus) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => Lsub ? "LSUB" : "LIST";
}

/// <summary>STATUS mailbox (items): MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ.</summary>
public sealed record StatusCommand(string Tag, string Mailbox, IReadOnlyList<string> Items) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "STATUS";
}

/// <summary>APPEND mailbox [(flags)] [date-time] literal (RFC 3501 6.3.11); literal8 for BINARY.</summary>
public sealed record AppendCommand(string Tag, string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, byte[] Message, bool Binary) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "APPEND";
}

/// <summary>UID EXPUNGE set (UIDPLUS RFC 4315); plain EXPUNGE is an <see cref="ImapSimpleCommand"/>.</summary>
public sealed record UidExpungeCommand(string Tag, ImapSequenceSet Uids) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "UID EXPUNGE";
}

/// <summary>SEARCH / UID SEARCH [RETURN (...)] [CHARSET x] keys.</summary>
public sealed record SearchCommand(string Tag, bool Uid, string? Charset, SearchKey Key, IReadOnlyList<string> ReturnOptions) : ImapCommand(Tag)
{
    /// <summary>The charsets search strings may be given in; others get "NO [BADCHARSET (UTF-8 US-ASCII)]" (RFC 3501 6.4.4).</summary>
    public static IReadOnlyList<string> SupportedCharsets { get; } = ["UTF-8", "US-ASCII"];

    /// <summary>True when no CHARSET was given or it is one of <see cref="SupportedCharsets"/>.</summary>
    public bool CharsetSupported => Charset is null || SupportedCharsets.Contains(Charset, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override string Name => Uid ? "UID SEARCH" : "SEARCH";
}

/// <summary>FETCH / UID FETCH set items [(CHANGEDSINCE n)]. UID FETCH always returns UID (RFC 3501 6.4.8).</summary>
public sealed record FetchCommand(string Tag, bool Uid, ImapSequenceSet Set, IReadOnlyList<FetchItem> Items, ulong? ChangedSince) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => Uid ? "UID FETCH" : "FETCH";
}

/// <summary>How STORE changes flags.</summary>
public enum StoreMode
{
    /// <summary>FLAGS: replace.</summary>
    Replace,

    /// <summary>+FLAGS: add.</summary>
    Add,

    /// <summary>-FLAGS: remove.</summary>
    Remove,
}

/// <summary>STORE / UID STORE set [(UNCHANGEDSINCE n)] [+-]FLAGS[.SILENT] (flags).</summary>
public sealed record StoreCommand(string Tag, bool Uid, ImapSequenceSet Set, StoreMode Mode, bool Silent, IReadOnlyList<string> Flags, ulong? UnchangedSince) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => Uid ? "UID STORE" : "STORE";
}

/// <summary>COPY / MOVE / UID COPY / UID MOVE set mailbox.</summary>
public sealed record CopyCommand(string Tag, bool Uid, bool Move, ImapSequenceSet Set, string Mailbox) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => (Uid ? "UID " : "") + (Move ? "MOVE" : "COPY");
}

/// <summary>ENABLE capability... (RFC 5161).</summary>
public sealed record EnableCommand(string Tag, IReadOnlyList<string> Capabilities) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "ENABLE";
}

/// <summary>ID (field value ...) or ID NIL (RFC 2971); null parameters for NIL.</summary>
public sealed record IdCommand(string Tag, IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapCommand(Tag)
{
    /// <inheritdoc/>
    public override string Name => "ID";
}
