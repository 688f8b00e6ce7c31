namespace Posthorn.Protocols.Pop3;

/// <summary>What the server must do after writing a reply.</summary>
public enum Pop3ReplyAction
{
    /// <summary>Keep reading commands.</summary>
    None,

    /// <summary>Start the TLS handshake now (after STLS's +OK), discarding any buffered plaintext input (RFC 2595 section 4).</summary>
    StartTls,

    /// <summary>Close the connection (after QUIT, or after too many errors).</summary>
    Close,
}

/// <summary>
/// One POP3 reply: a status line ("+OK ...", "-ERR [CODE] ..." or a SASL "+ ..." continuation),
/// optionally followed by a multi-line body, which is either text lines or a message stream that
/// <see cref="Pop3ReplyWriter"/> dot-stuffs (RFC 1939 section 3). A message stream is owned by
/// the reply: the writer disposes it.
/// </summary>
public sealed record Pop3Reply(string StatusLine, IReadOnlyList<string>? Lines = null, Stream? Content = null, int? TopLines = null, Pop3ReplyAction Action = Pop3ReplyAction.None)
{
    /// <summary>True for a multi-line reply (ends with the "." line).</summary>
    public bool IsMultiLine => Lines is not null || Content is not null;

    /// <summary>True when the status line is +OK.</summary>
    public bool IsOk => StatusLine.StartsWith("+OK", StringComparison.Ordinal);

    /// <summary>A positive reply, e.g. "+OK Logged in.".</summary>
    public static Pop3Reply Ok(string? text = null) => new(text is null or "" ? "+OK" : "+OK " + text);

    /// <summary>A negative reply with an optional RFC 2449 / RFC 3206 response code such as AUTH, IN-USE, SYS/TEMP.</summary>
    public static Pop3Reply Err(string text, string? code = null) => new(code is null ? "-ERR " + text : $"-ERR [{code}] {text}");

    /// <summary>A multi-line positive reply with text lines (dot-stuffed when written).</summary>
    public static Pop3Reply OkLines(string? text, IReadOnlyList<string> lines) => Ok(text) with { Lines = lines };
}

/// <summary>RFC 2449 / RFC 3206 POP3 extended response codes.</summary>
public static class Pop3ResponseCode
{
    /// <summary>Authentication credentials are wrong (RFC 3206).</summary>
    public const string Auth = "AUTH";

    /// <summary>The maildrop is locked by another session (RFC 2449).</summary>
    public const string InUse = "IN-USE";

    /// <summary>Login refused for a policy reason (RFC 2449).</summary>
    public const string LoginDelay = "LOGIN-DELAY";

    /// <summary>A temporary system problem (RFC 3206).</summary>
    public const string SysTemp = "SYS/TEMP";

    /// <summary>A permanent system problem (RFC 3206).</summary>
    public const string SysPerm = "SYS/PERM";
}
