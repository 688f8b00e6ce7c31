using System.Buffers;
using System.Globalization;
using System.Text;

namespace Posthorn.Protocols.Imap;

/// <summary>Status of a tagged or untagged status response (RFC 3501 section 7.1).</summary>
public enum ImapStatus
{
    Ok,
    No,
    Bad,
    PreAuth,
    Bye,
}

/// <summary>
/// Builds IMAP responses into a buffer (RFC 3501 section 7, RFC 9051 section 7): tagged and
/// untagged status responses with response codes, continuation requests, and the data pieces
/// (atoms, numbers, strings, nstrings, flag lists, date-times, lists). A string goes out quoted
/// when it is short and holds no CR, LF or NUL (and no 8-bit octets unless UTF8=ACCEPT is
/// enabled, RFC 6855); otherwise as a literal "{n}" CRLF octets. One writer per connection;
/// the server flushes <see cref="Written"/> and calls <see cref="Clear"/>.
/// </summary>
public sealed class ImapResponseWriter
{
    /// <summary>Strings longer than this go as literals even when they could be quoted.</summary>
    public const int MaxQuotedLength = 1024;

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private bool _needSpace;

    /// <summary>True once the client enabled UTF8=ACCEPT: 8-bit UTF-8 may go in quoted strings.</summary>
    public bool Utf8Accept { get; set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    /// <summary>Discards the written bytes (after they were sent).</summary>
    public void Clear()
    {
        _buffer.ResetWrittenCount();
        _needSpace = false;
    }

    /// <summary>The written bytes as text (for tests and logs).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_buffer.WrittenSpan);

    /// <summary>"* OK [code] text" etc.</summary>
    public ImapResponseWriter Status(string tag, ImapStatus status, string? code, string text)
    {
        Raw(tag).Raw(" ").Raw(status switch
        {
            ImapStatus.Ok => "OK",
            ImapStatus.No => "NO",
            ImapStatus.Bad => "BAD",
            ImapStatus.PreAuth => "PREAUTH",
            _ => "BYE",
        });
        if (code is not null)
        {
            Raw(" [").Raw(code).Raw("]");
        }

        return Raw(" ").Raw(Sanitize(text)).EndLine();
    }

    /// <summary>A tagged completion: "A1 OK [code] text".</summary>
    public ImapResponseWriter Tagged(string tag, ImapStatus status, string text, string? code = null) => Status(tag, status, code, text);

    /// <summary>An untagged status: "* OK [code] text".</summary>
    public ImapResponseWriter Untagged(ImapStatus status, string text, string? code = null) => Status("*", status, code, text);

    /// <summary>An untagged line written as is, e.g. "* 23 EXISTS", "* CAPABILITY IMAP4rev1 ...".</summary>
    public ImapResponseWriter UntaggedLine(string text) => Raw("* ").Raw(text).EndLine();

    /// <summary>A continuation request: "+ text" (or "+ " base64 for SASL).</summary>
    public ImapResponseWriter Continuation(string text) => Raw("+ ").Raw(Sanitize(text)).EndLine();

    /// <summary>Starts an untagged data response ("* "), e.g. before a FETCH: Start().Number(12).Atom("FETCH").OpenList()...</summary>
    public ImapResponseWriter Start()
    {
        Raw("* ");
        _needSpace = false;
        return this;
    }

    /// <summary>Ends the current line with CRLF.</summary>
    public ImapResponseWriter EndLine()
    {
        _buffer.Write("\r\n"u8);
        _needSpace = false;
        return this;
    }

    /// <summary>Writes text verbatim, with no separator.</summary>
    public ImapResponseWriter Raw(string text)
    {
        EncodingExtensions.GetBytes(Encoding.UTF8, text.AsSpan(), _buffer);
        return this;
    }

    /// <summary>Writes octets verbatim.</summary>
    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>An atom (or any pre-formatted token), space-separated from the previous one.</summary>
    public ImapResponseWriter Atom(string atom)
    {
        Separate();
        return Raw(atom);
    }

    /// <summary>A pre-rendered data item (a cached ENVELOPE or BODYSTRUCTURE list), space-separated from the previous one.</summary>
    public ImapResponseWriter Item(ReadOnlySpan<byte> rendered)
    {
        Separate();
        _buffer.Write(rendered);
        _needSpace = true;
        return this;
    }

    /// <summary>A number.</summary>
    public ImapResponseWriter Number(long n) => Atom(n.ToString(CultureInfo.InvariantCulture));

    /// <summary>NIL.</summary>
    public ImapResponseWriter Nil() => Atom("NIL");

    /// <summary>"(" — the next item follows without a space.</summary>
    public ImapResponseWriter OpenList()
    {
        Separate();
        Raw("(");
        _needSpace = false;
        return this;
    }

    /// <summary>Suppresses the separating space before the next item (BODYSTRUCTURE's "(part)(part)").</summary>
    public ImapResponseWriter NoSpace()
    {
        _needSpace = false;
        return this;
    }

    /// <summary>")".</summary>
    public ImapResponseWriter CloseList()
    {
        Raw(")");
        _needSpace = true;
        return this;
    }

    /// <summary>A string, quoted or as a literal.</summary>
    public ImapResponseWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

    /// <summary>A string from octets, quoted or as a literal.</summary>
    public ImapResponseWriter String(ReadOnlySpan<byte> value)
    {
        if (CanQuote(value))
        {
            Separate();
            _buffer.Write("\""u8);
            foreach (var b in value)
            {
                if (b is (byte)'"' or (byte)'\\')
                {
                    _buffer.Write("\\"u8);
                }

                _buffer.Write([b]);
            }

            _buffer.Write("\""u8);
        }
        else
        {
            Literal(value);
        }

        _needSpace = true;
        return this;
    }

    /// <summary>Always a literal: "{n}" CRLF octets (message bodies).</summary>
    public ImapResponseWriter Literal(ReadOnlySpan<byte> value)
    {
        Separate();
        Raw("{").Raw(value.Length.ToString(CultureInfo.InvariantCulture)).Raw("}\r\n");
        _buffer.Write(value);
        _needSpace = true;
        return this;
    }

    /// <summary>A string or NIL.</summary>
    public ImapResponseWriter NString(string? value) => value is null ? Nil() : String(value);

    /// <summary>A flag list: (\Seen $Junk).</summary>
    public ImapResponseWriter Flags(IEnumerable<string> flags)
    {
        OpenList();
        foreach (var flag in flags)
        {
            Atom(flag);
        }

        return CloseList();
    }

    /// <summary>A quoted date-time: "17-Jul-1996 02:44:25 -0700".</summary>
    public ImapResponseWriter DateTime(DateTimeOffset value)
    {
        Separate();
        Raw("\"").Raw(ImapDate.FormatDateTime(value)).Raw("\"");
        _needSpace = true;
        return this;
    }

    /// <summary>Whether the octets can go in a quoted string.</summary>
    public bool CanQuote(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxQuotedLength)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is 0 or (byte)'\r' or (byte)'\n' || (b >= 0x80 && !Utf8Accept))
            {
                return false;
            }
        }

        return !Utf8Accept || System.Text.Unicode.Utf8.IsValid(value);
    }

    private void Separate()
    {
        if (_needSpace)
        {
            _buffer.Write(" "u8);
        }

        _needSpace = true;
    }

    /// <summary>Response text must not break the line.</summary>
    private static string Sanitize(string text) =>
        text.Contains('\r', StringComparison.Ordinal) || text.Contains('\n', StringComparison.Ordinal)
            ? text.Replace('\r', ' ').Replace('\n', ' ')
            : text;
}
