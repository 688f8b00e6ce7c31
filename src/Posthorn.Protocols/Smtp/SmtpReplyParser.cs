using System.Buffers;
using System.Text;

namespace Posthorn.Protocols.Smtp;

/// <summary>What <see cref="SmtpReplyParser.TryRead"/> found.</summary>
public enum ReplyReadStatus
{
    NeedMoreData,
    Complete,

    /// <summary>A line that is not "NNN-text" / "NNN text", or a code that changed mid-reply.</summary>
    Malformed,
}

/// <summary>
/// The client side (smtp and lmtp delivery agents): reads a server reply (RFC 5321 section 4.2),
/// one or more lines "NNN-text" ending with "NNN text" (or a bare "NNN"), resumable over a pipe
/// like <see cref="SmtpLineReader"/>. Splits off an RFC 3463 enhanced status code whose class
/// digit matches the reply code's. Lines longer than the limit (smtp_line_length_limit) are cut.
/// </summary>
public sealed class SmtpReplyParser
{
    private readonly SmtpLineReader _lines;
    private readonly List<string> _text = [];
    private int _code = -1;
    private string? _enhanced;

    public SmtpReplyParser(int lineLengthLimit) => _lines = new SmtpLineReader(lineLengthLimit);

    /// <summary>Reads lines until a reply is complete; state carries over between calls.</summary>
    public ReplyReadStatus TryRead(ReadOnlySequence<byte> buffer, out SmtpReply? reply,
        out SequencePosition consumed, out SequencePosition examined)
    {
        reply = null;
        consumed = examined = buffer.Start;
        while (true)
        {
            if (!_lines.TryReadLine(buffer, out var line, out var c, out var e))
            {
                consumed = c;
                examined = e;
                return ReplyReadStatus.NeedMoreData;
            }
            consumed = examined = c;
            var text = Encoding.UTF8.GetString(line.Text.ToArray());
            buffer = buffer.Slice(c);
            if (text.Length < 3 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1])
                || !char.IsAsciiDigit(text[2]) || (text.Length > 3 && text[3] != ' ' && text[3] != '-'))
                return Fail();
            int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
            if (_code >= 0 && code != _code)
                return Fail();
            _code = code;
            bool more = text.Length > 3 && text[3] == '-';
            var body = text.Length > 4 ? text[4..] : "";
            var enhanced = EnhancedPrefix(body, code);
            if (enhanced is not null)
            {
                _enhanced ??= enhanced;
                body = body.Length > enhanced.Length ? body[(enhanced.Length + 1)..] : "";
            }
            _text.Add(body);
            if (!more)
            {
                reply = new SmtpReply(_code, _enhanced, _text.ToArray());
                Reset();
                return ReplyReadStatus.Complete;
            }
        }
    }

    private ReplyReadStatus Fail()
    {
        Reset();
        return ReplyReadStatus.Malformed;
    }

    private void Reset()
    {
        _text.Clear();
        _code = -1;
        _enhanced = null;
    }

    /// <summary>"c.sss.ddd" at the start of the text, followed by a space or the end.</summary>
    internal static string? EnhancedPrefix(string text, int code)
    {
        int sp = text.IndexOf(' ', StringComparison.Ordinal);
        var word = sp < 0 ? text : text[..sp];
        var parts = word.Split('.');
        if (parts.Length != 3 || word.Length == 0 || word[0] - '0' != code / 100)
            return null;
        foreach (var p in parts)
            if (p.Length is < 1 or > 3 || !p.All(char.IsAsciiDigit))
                return null;
        return parts[0].Length == 1 && parts[0][0] is '2' or '4' or '5' ? word : null;
    }
}
