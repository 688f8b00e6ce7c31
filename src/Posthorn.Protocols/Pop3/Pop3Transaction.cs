namespace Posthorn.Protocols.Pop3;

/// <summary>
/// The TRANSACTION-state commands of RFC 1939 (STAT LIST UIDL TOP RETR DELE RSET NOOP QUIT, and
/// CAPA), answering with Dovecot's texts ("+OK 3 messages:", "+OK 629 octets",
/// "+OK Marked to be deleted.", "-ERR There's no message 5.").
/// </summary>
internal static class Pop3Transaction
{
    public static async ValueTask<Pop3Reply> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var messages = session.Maildrop.Messages;
        switch (command.Verb)
        {
            case Pop3Verb.Capa:
                return session.Capa();
            case Pop3Verb.Noop:
                return Pop3Reply.Ok();
            case Pop3Verb.Quit:
                return await session.QuitAsync(ct);
            case Pop3Verb.Stat:
            {
                long size = 0;
                var count = 0;
                for (var i = 0; i < messages.Count; i++)
                {
                    if (!session.Deleted.Contains(i))
                    {
                        count++;
                        size += messages[i].Size;
                    }
                }

                return Pop3Reply.Ok($"{Pop3Session.Number(count)} {Pop3Session.Number(size)}");
            }

            case Pop3Verb.List or Pop3Verb.Uidl:
            {
                string Item(int i) => Pop3Session.Number(i + 1) + " " + (command.Verb == Pop3Verb.List ? Pop3Session.Number(messages[i].Size) : messages[i].Uid);
                if (command.Argument.Length > 0)
                {
                    return MessageNumber(session, command.Argument, out var index, out var error) ? Pop3Reply.Ok(Item(index)) : error!;
                }

                var lines = new List<string>();
                for (var i = 0; i < messages.Count; i++)
                {
                    if (!session.Deleted.Contains(i))
                    {
                        lines.Add(Item(i));
                    }
                }

                return Pop3Reply.OkLines(command.Verb == Pop3Verb.List ? $"{Pop3Session.Number(lines.Count)} messages:" : null, lines);
            }

            case Pop3Verb.Retr:
            {
                if (!MessageNumber(session, command.Argument, out var index, out var error))
                {
                    return error!;
                }

                var stream = await session.Maildrop.OpenMessageAsync(index, ct);
                session.Retrieved.Add(index);
                return Pop3Reply.Ok($"{Pop3Session.Number(messages[index].Size)} octets") with { Content = stream };
            }

            case Pop3Verb.Top:
            {
                if (command.Arguments.Count != 2)
                {
                    return session.Bad(Pop3Reply.Err("Invalid parameters."));
                }

                if (!MessageNumber(session, command.Arguments[0], out var index, out var error))
                {
                    return error!;
                }

                if (!int.TryParse(command.Arguments[1], System.Globalization.NumberStyles.None, null, out var lines))
                {
                    return session.Bad(Pop3Reply.Err("Invalid size: " + command.Arguments[1]));
                }

                var stream = await session.Maildrop.OpenMessageAsync(index, ct);
                return Pop3Reply.Ok() with { Content = stream, TopLines = lines };
            }

            case Pop3Verb.Dele:
            {
                if (!MessageNumber(session, command.Argument, out var index, out var error))
                {
                    return error!;
                }

                session.Deleted.Add(index);
                return Pop3Reply.Ok("Marked to be deleted.");
            }

            case Pop3Verb.Rset:
                session.Deleted.Clear();
                session.Retrieved.Clear();
                return Pop3Reply.Ok();
            case Pop3Verb.User or Pop3Verb.Pass or Pop3Verb.Apop or Pop3Verb.Auth or Pop3Verb.Stls:
                return session.Bad(Pop3Reply.Err("Unknown command: " + command.Keyword));
            default:
                return session.Bad(Pop3Reply.Err("Unknown command: " + command.Keyword));
        }
    }

    /// <summary>Parses a 1-based message number that names a present, undeleted message.</summary>
    private static bool MessageNumber(Pop3Session session, string text, out int index, out Pop3Reply? error)
    {
        index = -1;
        error = null;
        if (text.Length == 0 || !char.IsAsciiDigit(text[0]))
        {
            error = session.Bad(Pop3Reply.Err("Invalid message number: " + text));
            return false;
        }

        if (!uint.TryParse(text, System.Globalization.NumberStyles.None, null, out var number))
        {
            var digits = text.TakeWhile(char.IsAsciiDigit).Count();
            error = session.Bad(digits == text.Length ? Pop3Reply.Err("Message number too large: " + text) : Pop3Reply.Err("Noise after message number: " + text[digits..]));
            return false;
        }

        if (number == 0 || number > session.Maildrop.Messages.Count)
        {
            error = session.Bad(Pop3Reply.Err($"There's no message {Pop3Session.Number(number)}."));
            return false;
        }

        index = (int)number - 1;
        if (session.Deleted.Contains(index))
        {
            error = session.Bad(Pop3Reply.Err("Message is deleted."));
            return false;
        }

        return true;
    }
}
