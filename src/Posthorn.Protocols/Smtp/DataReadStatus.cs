namespace Posthorn.Protocols.Smtp;

/// <summary>What a DATA or BDAT reader reached in the bytes it was given.</summary>
public enum DataReadStatus
{
    /// <summary>All input consumed; the end of the content is still to come.</summary>
    NeedMoreData,

    /// <summary>The end of the content was reached (CRLF.CRLF, or the last byte of the chunk).</summary>
    Done,
}
