using System.Globalization;
using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>FETCH data items (RFC 3501 section 6.4.5, CONDSTORE's MODSEQ, BINARY's BINARY[] and BINARY.SIZE[]).</summary>
public enum FetchAttribute
{
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    BodyStructure,

    /// <summary>BODY without a section: BODYSTRUCTURE without extension data.</summary>
    Body,
    Uid,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    ModSeq,

    /// <summary>BODY[section]&lt;partial&gt; or BODY.PEEK[...].</summary>
    BodySection,

    /// <summary>BINARY[section]&lt;partial&gt; or BINARY.PEEK[...] (RFC 3516).</summary>
    BinarySection,

    /// <summary>BINARY.SIZE[section] (RFC 3516).</summary>
    BinarySize,
}

/// <summary>The text part of a section spec (RFC 3501 section-msgtext / section-text).</summary>
public enum SectionText
{
    /// <summary>The whole part (BODY[] or BODY[1.2]).</summary>
    None,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>A section spec: part numbers (empty for the whole message), a text specifier, header field names.</summary>
public sealed record BodySection(IReadOnlyList<int> Part, SectionText Text, IReadOnlyList<string> Fields)
{
    /// <summary>The whole message, BODY[].</summary>
    public static BodySection Whole { get; } = new([], SectionText.None, []);

    /// <summary>The section as it appears in a FETCH response, e.g. "1.2.HEADER.FIELDS (FROM TO)".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(string.Join('.', Part.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        if (Text != SectionText.None)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append(Text switch
            {
                SectionText.Header => "HEADER",
                SectionText.HeaderFields => "HEADER.FIELDS",
                SectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
                SectionText.Text => "TEXT",
                _ => "MIME",
            });
            if (Text is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
            {
                sb.Append(" (").Append(string.Join(' ', Fields.Select(f => f.ToUpperInvariant()))).Append(')');
            }
        }

        return sb.ToString();
    }
}

/// <summary>One FETCH item; for sections, Peek (no \Seen) and the partial range &lt;start.length&gt;.</summary>
public sealed record FetchItem(FetchAttribute Attribute, BodySection? Section = null, bool Peek = false, long? PartialStart = null, long? PartialLength = null)
{
    /// <summary>The item's name in a FETCH response ("BODY[1.TEXT]&lt;0&gt;", "RFC822.SIZE", ...).</summary>
    public string ResponseName => Attribute switch
    {
        FetchAttribute.Flags => "FLAGS",
        FetchAttribute.InternalDate => "INTERNALDATE",
        FetchAttribute.Rfc822Size => "RFC822.SIZE",
        FetchAttribute.Envelope => "ENVELOPE",
        FetchAttribute.BodyStructure => "BODYSTRUCTURE",
        FetchAttribute.Body => "BODY",
        FetchAttribute.Uid => "UID",
        FetchAttribute.Rfc822 => "RFC822",
        FetchAttribute.Rfc822Header => "RFC822.HEADER",
        FetchAttribute.Rfc822Text => "RFC822.TEXT",
        FetchAttribute.ModSeq => "MODSEQ",
        FetchAttribute.BinarySize => $"BINARY.SIZE[{Section}]",
        _ => (Attribute == FetchAttribute.BinarySection ? "BINARY[" : "BODY[") + Section + "]"
             + (PartialStart is { } s ? "<" + s.ToString(CultureInfo.InvariantCulture) + ">" : ""),
    };

    /// <summary>True when fetching this item sets \Seen (RFC 3501: BODY[...] and RFC822, RFC822.TEXT, but not .PEEK).</summary>
    public bool SetsSeen => Attribute is FetchAttribute.Rfc822 or FetchAttribute.Rfc822Text
        || (Attribute is FetchAttribute.BodySection or FetchAttribute.BinarySection && !Peek);
}
