using MimeKit;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// One message's content for FETCH and SEARCH, read and parsed only as far as the requested
/// items need (RFC 3501 section 6.4.5 and 6.4.4): the raw CRLF octets answer BODY[], RFC822
/// and their partial forms without any MIME parse; ENVELOPE, BODY[HEADER...], BODY[TEXT] and
/// the header search keys parse the top-level header only (from a prefix of the message when
/// the source can supply one); BODYSTRUCTURE, part sections and BODY/TEXT search parse the whole
/// message once. Header-only and full parses give the same header octets: MimeKit's header
/// parse depends only on the octets up to the end of the header.
/// </summary>
public sealed class ImapMessageContent
{
    private readonly Func<byte[]>? _raw;
    private readonly Func<byte[]?>? _headerPrefix;
    private readonly Func<ImapMessageStructure>? _parse;
    private byte[]? _rawBytes;
    private byte[]? _prefixBytes;
    private ImapMessageStructure? _structure;
    private ImapMessageStructure? _header;
    private MimeMessage? _plain;

    /// <summary>
    /// Content from a source of the raw CRLF message and, optionally, of a CRLF prefix of it
    /// that holds the whole header (null when the source cannot tell; the raw message is used).
    /// </summary>
    public ImapMessageContent(Func<byte[]> raw, Func<byte[]?>? headerPrefix = null)
    {
        _raw = raw;
        _headerPrefix = headerPrefix;
    }

    /// <summary>Content from a parser of the whole message (every item then uses the full parse).</summary>
    public ImapMessageContent(Func<ImapMessageStructure> parse) => _parse = parse;

    /// <summary>Content of octets already in memory (CRLF).</summary>
    public static ImapMessageContent FromBytes(byte[] raw) => new(() => raw);

    /// <summary>ENVELOPE as sent (from a cache, or rendered by the last FETCH that needed it); null until known.</summary>
    public byte[]? Envelope { get; set; }

    /// <summary>BODYSTRUCTURE as sent (from a cache, or rendered by the last FETCH that needed it); null until known.</summary>
    public byte[]? BodyStructure { get; set; }

    /// <summary>The top-level header octets (the empty line included), from the header parse.</summary>
    public byte[] HeaderBytes => Header.Raw.AsSpan(0, (int)Math.Min(Header.HeaderLength, Header.Raw.Length)).ToArray();

    /// <summary>Renders ENVELOPE and BODYSTRUCTURE into <see cref="Envelope"/> and <see cref="BodyStructure"/> when they are not known yet.</summary>
    public void Render(bool utf8Accept)
    {
        var w = new ImapResponseWriter { Utf8Accept = utf8Accept };
        if (BodyStructure is null)
        {
            _ = Structure; // parse once: the header then comes from the full parse
        }

        if (Envelope is null)
        {
            ImapEnvelopeWriter.Write(w, Header.Message);
            Envelope = w.Written.ToArray();
            w.Clear();
        }

        if (BodyStructure is null)
        {
            ImapBodyStructureWriter.Write(w, Structure, extensible: true);
            BodyStructure = w.Written.ToArray();
        }
    }

    /// <summary>The whole message as CRLF octets.</summary>
    public byte[] Raw => _rawBytes ??= _raw is not null ? _raw() : Structure.Raw;

    /// <summary>The raw top-level header (up to the first empty line), read from the header prefix when there is one.</summary>
    public byte[] RawHeader
    {
        get
        {
            if (_rawBytes is null && _raw is not null && Prefix() is { } prefix)
            {
                return HeaderOctets(prefix);
            }

            return HeaderOctets(Raw);
        }
    }

    /// <summary>The whole message parsed, with every entity's offsets.</summary>
    public ImapMessageStructure Structure => _structure ??= _parse is not null ? _parse() : ImapMessageStructure.Parse(Raw);

    /// <summary>The top-level header parsed (the body is not parsed); the full parse when there is one.</summary>
    public ImapMessageStructure Header
    {
        get
        {
            if (_structure is not null || _parse is not null)
            {
                return Structure;
            }

            return _header ??= ImapMessageStructure.Parse(HeaderOctets(_rawBytes ?? Prefix() ?? Raw));
        }
    }

    /// <summary>The whole message as MimeKit's message, without the offsets FETCH needs (SEARCH BODY/TEXT).</summary>
    public MimeMessage Message
    {
        get
        {
            if (_structure is not null || _parse is not null)
            {
                return Structure.Message;
            }

            return _plain ??= ImapMessageStructure.ParsePlain(Raw);
        }
    }

    /// <summary>A section's octets; the top-level ones (whole message, HEADER, HEADER.FIELDS[.NOT], TEXT) without a MIME parse of the body.</summary>
    public ReadOnlyMemory<byte>? Section(BodySection section)
    {
        if (section.Part.Count > 0)
        {
            return Structure.GetSection(section);
        }

        switch (section.Text)
        {
            case SectionText.None:
                return Raw;
            case SectionText.Text:
                var start = Math.Min(Header.HeaderLength, Raw.Length);
                return Raw.AsMemory((int)start);
            default:
                return Header.GetSection(section);
        }
    }

    private byte[]? Prefix() => _prefixBytes ??= _headerPrefix?.Invoke();

    /// <summary>The octets up to and including the first empty line (or all of them when there is none).</summary>
    internal static byte[] HeaderOctets(byte[] data)
    {
        var end = data.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? data : data.AsSpan(0, end + 4).ToArray();
    }
}
