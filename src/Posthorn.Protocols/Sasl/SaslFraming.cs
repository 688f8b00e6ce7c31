using System.Buffers.Text;
using System.Text;

namespace Posthorn.Protocols.Sasl;

/// <summary>How a client's SASL response line decoded.</summary>
public enum SaslResponseKind
{
    /// <summary>Base64 data (possibly empty).</summary>
    Data,

    /// <summary>"*": the client aborts the exchange (RFC 4954 4, RFC 5034 4, RFC 3501 6.2.2).</summary>
    Cancelled,

    /// <summary>Not valid base64.</summary>
    Invalid,
}

/// <summary>A decoded client response.</summary>
public readonly record struct SaslResponse(SaslResponseKind Kind, byte[] Data);

/// <summary>
/// The base64 framing of SASL exchanges that SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP
/// AUTHENTICATE (RFC 3501 6.2.2, SASL-IR RFC 4959) share: challenges go out as base64 after the
/// protocol's prefix ("334 " or "+ "), responses come back as base64 lines, "*" cancels, and an
/// initial response of "=" means an empty one.
/// </summary>
public static class SaslFraming
{
    /// <summary>Decodes a continuation response line (without its CRLF).</summary>
    public static SaslResponse DecodeResponse(ReadOnlySpan<byte> line) => Decode(line, initial: false);

    /// <summary>Decodes an initial response given on the AUTH/AUTHENTICATE line: "=" is empty.</summary>
    public static SaslResponse DecodeInitialResponse(ReadOnlySpan<byte> argument) => Decode(argument, initial: true);

    /// <summary>Decodes a response given as a string.</summary>
    public static SaslResponse DecodeResponse(string line) => DecodeResponse(Encoding.ASCII.GetBytes(line));

    /// <summary>Decodes an initial response given as a string.</summary>
    public static SaslResponse DecodeInitialResponse(string argument) => DecodeInitialResponse(Encoding.ASCII.GetBytes(argument));

    private static SaslResponse Decode(ReadOnlySpan<byte> line, bool initial)
    {
        line = line.Trim((byte)' ');
        if (line.Length == 1 && line[0] == (byte)'*')
        {
            return new SaslResponse(SaslResponseKind.Cancelled, []);
        }

        if (initial && line.Length == 1 && line[0] == (byte)'=')
        {
            return new SaslResponse(SaslResponseKind.Data, []);
        }

        if (line.Length % 4 != 0)
        {
            return new SaslResponse(SaslResponseKind.Invalid, []);
        }

        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(line.Length)];
        var status = Base64.DecodeFromUtf8(line, buffer, out _, out var written);
        return status == System.Buffers.OperationStatus.Done
            ? new SaslResponse(SaslResponseKind.Data, buffer.AsSpan(0, written).ToArray())
            : new SaslResponse(SaslResponseKind.Invalid, []);
    }

    /// <summary>Encodes a challenge as base64 (empty for an empty challenge).</summary>
    public static string EncodeChallenge(ReadOnlySpan<byte> challenge) => Convert.ToBase64String(challenge);

    /// <summary>The POP3/IMAP continuation line for a challenge, without CRLF: "+ " followed by base64.</summary>
    public static string ContinuationLine(ReadOnlySpan<byte> challenge) => "+ " + EncodeChallenge(challenge);

    /// <summary>The SMTP AUTH challenge line, without CRLF: "334 " followed by base64.</summary>
    public static string SmtpChallengeLine(ReadOnlySpan<byte> challenge) => "334 " + EncodeChallenge(challenge);
}
