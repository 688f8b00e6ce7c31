using System.Runtime.CompilerServices;
using MimeKit;

namespace Posthorn.Protocols.Imap;

/// <summary>Where an entity sits in the raw message: header start, content start (after the blank line), end.</summary>
internal readonly record struct EntityRange(long Begin, long ContentStart, long End);

/// <summary>
/// A message parsed once with MimeKit, remembering every entity's byte offsets in the raw
/// message, so that FETCH can answer BODY[section] byte-exactly (RFC 3501 section 6.4.5: part
/// numbers, HEADER, HEADER.FIELDS[.NOT], TEXT, MIME), and ENVELOPE and BODYSTRUCTURE with sizes
/// and line counts of the content as stored.
/// </summary>
public sealed class ImapMessageStructure
{
    private readonly ConditionalWeakTable<MimeEntity, StrongBox<EntityRange>> _entities = [];
    private readonly ConditionalWeakTable<MimeMessage, StrongBox<EntityRange>> _messages = [];

    private ImapMessageStructure(byte[] raw, MimeMessage message)
    {
        Raw = raw;
        Message = message;
    }

    /// <summary>The raw message octets.</summary>
    public byte[] Raw { get; }

    /// <summary>The parsed message.</summary>
    public MimeMessage Message { get; }

    /// <summary>Parses a raw message (never throws on malformed MIME: MimeKit is tolerant).</summary>
    public static ImapMessageStructure Parse(byte[] raw)
    {
        var begins = new Dictionary<object, long>(ReferenceEqualityComparer.Instance);
        var entities = new List<(MimeEntity Entity, long HeadersEnd, long End)>();
        var messages = new List<(MimeMessage Message, long HeadersEnd, long End)>();
        using var stream = new MemoryStream(raw, writable: false);
        var parser = new MimeParser(stream, MimeFormat.Entity);
        parser.MimeEntityBegin += (_, e) => begins[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) => entities.Add((e.Entity, e.HeadersEndOffset, e.EndOffset));
        parser.MimeMessageBegin += (_, e) => begins[e.Message] = e.BeginOffset;
        parser.MimeMessageEnd += (_, e) => messages.Add((e.Message, e.HeadersEndOffset, e.EndOffset));
        MimeMessage message;
        try
        {
            message = parser.ParseMessage();
        }
        catch (FormatException)
        {
            // Not even a header (e.g. a file that starts with a body line): treat it all as a text/plain body.
            var body = new TextPart("plain");
            var fallback = new ImapMessageStructure(raw, EmptyMessage(body));
            fallback._messages.AddOrUpdate(fallback.Message, new StrongBox<EntityRange>(new EntityRange(0, 0, raw.Length)));
            fallback._entities.AddOrUpdate(body, new StrongBox<EntityRange>(new EntityRange(0, 0, raw.Length)));
            return fallback;
        }

        var structure = new ImapMessageStructure(raw, message);
        foreach (var (entity, headersEnd, end) in entities)
        {
            structure._entities.AddOrUpdate(entity, new StrongBox<EntityRange>(new EntityRange(begins.GetValueOrDefault(entity), headersEnd, end)));
        }

        foreach (var (m, headersEnd, end) in messages)
        {
            structure._messages.AddOrUpdate(m, new StrongBox<EntityRange>(new EntityRange(begins.GetValueOrDefault(m), headersEnd, end)));
        }

        return structure;
    }

    /// <summary>Parses a raw message without recording offsets (for SEARCH, which needs decoded text only).</summary>
    public static MimeMessage ParsePlain(byte[] raw)
    {
        using var stream = new MemoryStream(raw, writable: false);
        try
        {
            return new MimeParser(stream, MimeFormat.Entity).ParseMessage();
        }
        catch (FormatException)
        {
            return EmptyMessage(new TextPart("plain"));
        }
    }

    /// <summary>A message with no header fields (MimeKit's constructor adds a Date and a made-up Message-Id, which ENVELOPE must not show).</summary>
    private static MimeMessage EmptyMessage(MimeEntity body)
    {
        var message = new MimeMessage();
        message.Headers.Clear();
        message.Body = body;
        return message;
    }

    /// <summary>Octets of the top-level header, the empty line that ends it included.</summary>
    public long HeaderLength => RangeOf(Message).ContentStart;

    internal EntityRange RangeOf(MimeEntity entity) =>
        _entities.TryGetValue(entity, out var box) ? box.Value : new EntityRange(0, 0, 0);

    internal EntityRange RangeOf(MimeMessage message) =>
        _messages.TryGetValue(message, out var box) ? box.Value : new EntityRange(0, 0, Raw.Length);

    internal ReadOnlyMemory<byte> Slice(long start, long end) =>
        Raw.AsMemory((int)Math.Min(start, Raw.Length), (int)Math.Max(0, Math.Min(end, Raw.Length) - Math.Min(start, Raw.Length)));

    /// <summary>The octets of a section, or null when the section does not exist in this message.</summary>
    public ReadOnlyMemory<byte>? GetSection(BodySection section)
    {
        if (section.Part.Count == 0)
        {
            var range = RangeOf(Message);
            return section.Text switch
            {
                SectionText.None => Raw,
                SectionText.Header => Slice(range.Begin, range.ContentStart),
                SectionText.Text => Slice(range.ContentStart, Raw.Length),
                SectionText.HeaderFields or SectionText.HeaderFieldsNot => HeaderFilter.Filter(Slice(range.Begin, range.ContentStart).Span, section.Fields, section.Text == SectionText.HeaderFieldsNot),
                _ => null,
            };
        }

        if (Resolve(section.Part) is not { } entity)
        {
            return null;
        }

        var r = RangeOf(entity);
        switch (section.Text)
        {
            case SectionText.None:
                return Slice(r.ContentStart, r.End);
            case SectionText.Mime:
                return Slice(r.Begin, r.ContentStart);
        }

        // HEADER, HEADER.FIELDS, TEXT of a part apply only to message/rfc822 parts.
        if (Encapsulated(entity) is not { } inner)
        {
            return null;
        }

        var m = RangeOf(inner);
        return section.Text switch
        {
            SectionText.Header => Slice(m.Begin, m.ContentStart),
            SectionText.Text => Slice(m.ContentStart, m.End),
            _ => HeaderFilter.Filter(Slice(m.Begin, m.ContentStart).Span, section.Fields, section.Text == SectionText.HeaderFieldsNot),
        };
    }

    /// <summary>Finds the entity a part number names (RFC 3501 section 6.4.5's numbering rules).</summary>
    internal MimeEntity? Resolve(IReadOnlyList<int> part)
    {
        var entity = Message.Body;
        var isMessageBody = true;
        for (var i = 0; i < part.Count; i++)
        {
            var n = part[i];
            if (entity is Multipart multipart)
            {
                if (n < 1 || n > multipart.Count)
                {
                    return null;
                }

                entity = multipart[n - 1];
            }
            else if (!(isMessageBody && n == 1))
            {
                return null;
            }

            isMessageBody = false;
            if (entity is null)
            {
                return null;
            }

            if (Encapsulated(entity) is { } inner && i < part.Count - 1)
            {
                entity = inner.Body;
                isMessageBody = true;
            }

            if (entity is null)
            {
                return null;
            }
        }

        return entity;
    }

    /// <summary>The message inside a message/rfc822 (or message/global, RFC 6532) part; null for anything else, text/rfc822-headers included.</summary>
    internal static MimeMessage? Encapsulated(MimeEntity entity) =>
        entity is MessagePart { Message: { } inner } && (entity.ContentType.IsMimeType("message", "rfc822") || entity.ContentType.IsMimeType("message", "global"))
            ? inner
            : null;

    /// <summary>Counts lines the way IMAP's body-fld-lines does: line ends, plus a last unterminated line.</summary>
    internal static long CountLines(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty)
        {
            return 0;
        }

        long lines = content.Count((byte)'\n');
        return content[^1] == (byte)'\n' ? lines : lines + 1;
    }
}
