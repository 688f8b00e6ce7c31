using MimeKit;

namespace Posthorn.Protocols.Imap;

/// <summary>What FETCH needs to know about a message besides its content.</summary>
public sealed record ImapMessageInfo(uint SequenceNumber, uint Uid, IReadOnlyCollection<string> Flags, DateTimeOffset InternalDate, long Size, ulong ModSeq = 0);

/// <summary>
/// Writes one untagged FETCH response, "* seq FETCH (item value ...)" (RFC 3501 section 7.4.2,
/// RFC 3516 BINARY, RFC 7162 MODSEQ). The message content is parsed only when an item needs it
/// (ENVELOPE, BODY[...], ...). Sections that do not exist come back as NIL; a partial fetch
/// whose origin lies beyond the end returns an empty string. Updating \Seen (see
/// <see cref="FetchItem.SetsSeen"/>) and adding FLAGS for it is the server's job.
/// </summary>
public static class ImapFetchWriter
{
    /// <summary>Writes the response line for one message, parsing it with <paramref name="content"/> when an item needs it.</summary>
    public static void Write(ImapResponseWriter w, ImapMessageInfo info, IReadOnlyList<FetchItem> items, Func<ImapMessageStructure> content) =>
        Write(w, info, items, new ImapMessageContent(content));

    /// <summary>
    /// Writes the response line for one message. BODY[], RFC822 and the top-level HEADER and
    /// TEXT sections are served from the raw octets and a header-only parse; BODYSTRUCTURE and
    /// part sections parse the whole message.
    /// </summary>
    public static void Write(ImapResponseWriter w, ImapMessageInfo info, IReadOnlyList<FetchItem> items, ImapMessageContent content)
    {
        ImapMessageStructure Content() => content.Structure;

        w.Start().Number(info.SequenceNumber).Atom("FETCH").OpenList();
        foreach (var item in items)
        {
            w.Atom(item.ResponseName);
            switch (item.Attribute)
            {
                case FetchAttribute.Flags:
                    w.Flags(info.Flags);
                    break;
                case FetchAttribute.InternalDate:
                    w.DateTime(info.InternalDate);
                    break;
                case FetchAttribute.Rfc822Size:
                    w.Number(info.Size);
                    break;
                case FetchAttribute.Uid:
                    w.Number(info.Uid);
                    break;
                case FetchAttribute.ModSeq:
                    w.OpenList().Number((long)Math.Min(info.ModSeq, long.MaxValue)).CloseList();
                    break;
                case FetchAttribute.Envelope:
                    if (content.Envelope is { } envelope)
                    {
                        w.Item(envelope);
                    }
                    else
                    {
                        ImapEnvelopeWriter.Write(w, content.Header.Message);
                    }

                    break;
                case FetchAttribute.BodyStructure when content.BodyStructure is { } bodyStructure:
                    w.Item(bodyStructure);
                    break;
                case FetchAttribute.BodyStructure or FetchAttribute.Body:
                    ImapBodyStructureWriter.Write(w, Content(), item.Attribute == FetchAttribute.BodyStructure);
                    break;
                case FetchAttribute.Rfc822:
                    Octets(w, content.Raw);
                    break;
                case FetchAttribute.Rfc822Header:
                    Octets(w, content.Section(new BodySection([], SectionText.Header, [])));
                    break;
                case FetchAttribute.Rfc822Text:
                    Octets(w, content.Section(new BodySection([], SectionText.Text, [])));
                    break;
                case FetchAttribute.BodySection:
                    Octets(w, Partial(content.Section(item.Section!), item));
                    break;
                case FetchAttribute.BinarySection:
                    Octets(w, Partial(Decoded(Content(), item.Section!), item));
                    break;
                case FetchAttribute.BinarySize:
                    if (Decoded(Content(), item.Section!) is { } decoded)
                    {
                        w.Number(decoded.Length);
                    }
                    else
                    {
                        w.Nil();
                    }

                    break;
            }
        }

        w.CloseList().EndLine();
    }

    private static ReadOnlyMemory<byte>? Partial(ReadOnlyMemory<byte>? data, FetchItem item)
    {
        if (data is not { } d || item.PartialStart is not { } start)
        {
            return data;
        }

        if (start >= d.Length)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var length = Math.Min(item.PartialLength ?? long.MaxValue, d.Length - start);
        return d.Slice((int)start, (int)length);
    }

    /// <summary>BINARY[part]: the part's content with its Content-Transfer-Encoding undone (RFC 3516).</summary>
    private static ReadOnlyMemory<byte>? Decoded(ImapMessageStructure s, BodySection section)
    {
        if (section.Part.Count == 0)
        {
            return s.Raw;
        }

        if (s.Resolve(section.Part) is not { } entity)
        {
            return null;
        }

        if (entity is MimePart { Content: { } content })
        {
            using var output = new MemoryStream();
            content.DecodeTo(output);
            return output.ToArray();
        }

        return s.GetSection(section);
    }

    private static void Octets(ImapResponseWriter w, ReadOnlyMemory<byte>? data)
    {
        if (data is not { } d)
        {
            w.Nil();
        }
        else if (d.IsEmpty)
        {
            w.String(ReadOnlySpan<byte>.Empty);
        }
        else
        {
            w.Literal(d.Span);
        }
    }
}
