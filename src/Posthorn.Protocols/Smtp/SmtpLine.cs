using System.Buffers;

namespace Posthorn.Protocols.Smtp;

/// <summary>How an SMTP line ended on the wire (RFC 5321 section 2.3.8 allows only CRLF).</summary>
public enum LineEnding
{
    /// <summary>The standard CR LF.</summary>
    CrLf,

    /// <summary>A LF without the CR before it ("bare LF", see smtpd_forbid_bare_newline).</summary>
    BareLf,
}

/// <summary>
/// One line read by <see cref="SmtpLineReader"/>: its text without the line ending, how it ended,
/// whether it held a CR that was not followed by LF ("bare CR"), and whether it was longer than
/// line_length_limit (then <see cref="Text"/> holds only the first line_length_limit bytes and the
/// rest was skipped, as Postfix's smtpd does with over-long command lines).
/// The text is valid only until the caller advances the pipe past the consumed position.
/// </summary>
public readonly record struct SmtpLine(ReadOnlySequence<byte> Text, LineEnding Ending, bool HasBareCr, bool TooLong)
{
    /// <summary>True when the line broke RFC 5321's CRLF rule (bare LF ending or a bare CR inside).</summary>
    public bool HasBareNewline => Ending == LineEnding.BareLf || HasBareCr;
}
