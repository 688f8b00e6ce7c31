namespace Posthorn.Protocols.Imap;

/// <summary>The kinds of token in an IMAP command (RFC 3501 section 4, RFC 9051 section 4).</summary>
public enum ImapTokenKind
{
    /// <summary>An atom, including bracketed forms such as BODY[HEADER.FIELDS (FROM)]&lt;0.10&gt; and NIL.</summary>
    Atom,

    /// <summary>A quoted string or a literal; <see cref="ImapToken.Data"/> holds the raw octets.</summary>
    String,

    /// <summary>A parenthesised list.</summary>
    List,
}

/// <summary>One token of an IMAP command; lists nest.</summary>
public sealed record ImapToken(ImapTokenKind Kind, string Text, byte[]? Data = null, IReadOnlyList<ImapToken>? Items = null, bool IsLiteral = false, bool IsBinary = false)
{
    /// <summary>The list's items (empty for non-lists).</summary>
    public IReadOnlyList<ImapToken> Children => Items ?? [];

    /// <summary>True for an atom or string usable as an astring (RFC 3501 astring).</summary>
    public bool IsAString => Kind is ImapTokenKind.String or ImapTokenKind.Atom;

    /// <summary>True for the atom NIL.</summary>
    public bool IsNil => Kind == ImapTokenKind.Atom && Text.Equals("NIL", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        ImapTokenKind.List => "(" + string.Join(' ', Children) + ")",
        ImapTokenKind.String => "\"" + Text + "\"",
        _ => Text,
    };
}

/// <summary>A complete command as read from the wire: its tag and its tokens after the tag.</summary>
public sealed record ImapCommandLine(string Tag, IReadOnlyList<ImapToken> Tokens);
