using MimeKit;

namespace Posthorn.Protocols.Imap;

/// <summary>
/// Writes BODYSTRUCTURE (with extension data) and BODY (without) per RFC 3501 section 7.4.2:
/// basic parts (type subtype params id description encoding size), text parts adding lines,
/// message/rfc822 parts adding the nested envelope, body and lines, and multiparts as their
/// parts followed by the subtype; extension data is md5, disposition, language, location for
/// single parts and params, disposition, language, location for multiparts. Sizes and line
/// counts are of the content as stored, from the raw message's offsets.
/// </summary>
public static class ImapBodyStructureWriter
{
    /// <summary>Writes the structure of the whole message.</summary>
    public static void Write(ImapResponseWriter w, ImapMessageStructure structure, bool extensible) =>
        Entity(w, structure, structure.Message.Body, extensible);

    private static void Entity(ImapResponseWriter w, ImapMessageStructure s, MimeEntity? entity, bool ext)
    {
        if (entity is null)
        {
            EmptyText(w);
            return;
        }

        if (entity is Multipart multipart)
        {
            w.OpenList();
            if (multipart.Count == 0)
            {
                EmptyText(w);
            }

            foreach (var part in multipart)
            {
                w.NoSpace();
                Entity(w, s, part, ext);
            }

            w.String(multipart.ContentType.MediaSubtype);
            if (ext)
            {
                Parameters(w, multipart.ContentType.Parameters);
                Disposition(w, multipart);
                Language(w, multipart);
                w.NString(ImapEnvelopeWriter.RawHeader(multipart.Headers, HeaderId.ContentLocation));
            }

            w.CloseList();
            return;
        }

        var range = s.RangeOf(entity);
        var content = s.Slice(range.ContentStart, range.End).Span;
        var type = entity.ContentType;
        var hasType = entity.Headers.Contains(HeaderId.ContentType);
        w.OpenList();
        w.String(hasType ? type.MediaType : "text");
        w.String(hasType ? type.MediaSubtype : "plain");
        if (hasType)
        {
            Parameters(w, type.Parameters);
        }
        else
        {
            w.OpenList().String("charset").String("us-ascii").CloseList();
        }

        w.NString(ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentId));
        w.NString(ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentDescription));
        w.String(ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentTransferEncoding) is { Length: > 0 } cte ? cte : "7bit");
        w.Number(content.Length);
        if (ImapMessageStructure.Encapsulated(entity) is { } inner)
        {
            ImapEnvelopeWriter.Write(w, inner);
            Entity(w, s, inner.Body, ext);
            w.Number(ImapMessageStructure.CountLines(content));
        }
        else if (!hasType || type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            w.Number(ImapMessageStructure.CountLines(content));
        }

        if (ext)
        {
            w.NString(ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentMd5));
            Disposition(w, entity);
            Language(w, entity);
            w.NString(ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentLocation));
        }

        w.CloseList();
    }

    private static void EmptyText(ImapResponseWriter w) =>
        w.OpenList().String("text").String("plain").OpenList().String("charset").String("us-ascii").CloseList()
         .Nil().Nil().String("7bit").Number(0).Number(0).CloseList();

    private static void Parameters(ImapResponseWriter w, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            w.Nil();
            return;
        }

        w.OpenList();
        foreach (var p in parameters)
        {
            w.String(p.Name).String(p.Value);
        }

        w.CloseList();
    }

    private static void Disposition(ImapResponseWriter w, MimeEntity entity)
    {
        if (entity.ContentDisposition is not { } d)
        {
            w.Nil();
            return;
        }

        w.OpenList().String(d.Disposition);
        Parameters(w, d.Parameters);
        w.CloseList();
    }

    private static void Language(ImapResponseWriter w, MimeEntity entity)
    {
        var raw = ImapEnvelopeWriter.RawHeader(entity.Headers, HeaderId.ContentLanguage);
        var tags = raw?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        switch (tags.Length)
        {
            case 0:
                w.Nil();
                break;
            case 1:
                w.String(tags[0]);
                break;
            default:
                w.OpenList();
                foreach (var t in tags)
                {
                    w.String(t);
                }

                w.CloseList();
                break;
        }
    }
}
