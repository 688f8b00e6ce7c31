namespace Posthorn.Protocols.Smtp;

/// <summary>
/// The client side of DATA (the smtp and lmtp delivery agents): turns message content into the
/// DATA stream of RFC 5321 section 4.5.2, streaming. Doubles a "." at the start of every line,
/// writes every line ending as CR LF (a bare LF becomes CR LF, so nothing the receiver sees can
/// be taken for an end of data), and <see cref="Finish"/> ends the last line if needed and
/// appends "." CR LF.
/// </summary>
public sealed class DotStuffer
{
    private static readonly byte[] Dot = [(byte)'.'];
    private static readonly byte[] CrLf = [(byte)'\r', (byte)'\n'];
    private static readonly byte[] EndOfData = ".\r\n"u8.ToArray();
    private bool _lineStart = true;
    private bool _pendingCr;

    /// <summary>Writes <paramref name="content"/> to <paramref name="sink"/>, stuffed.</summary>
    public void Write(ReadOnlySpan<byte> content, IContentSink sink)
    {
        int runStart = 0;
        for (int i = 0; i < content.Length; i++)
        {
            byte b = content[i];
            if (_pendingCr)
            {
                _pendingCr = false;
                if (b == (byte)'\n')
                {
                    _lineStart = true;
                    continue; // the CR LF pair is in the run already, or written below
                }
                _lineStart = false;
            }
            if (_lineStart && b == (byte)'.')
            {
                Flush(content[runStart..i], sink);
                sink.Write(Dot);
                runStart = i;
            }
            _lineStart = false;
            if (b == (byte)'\r')
            {
                _pendingCr = true;
            }
            else if (b == (byte)'\n')
            {
                Flush(content[runStart..i], sink);
                sink.Write(CrLf); // bare LF
                runStart = i + 1;
                _lineStart = true;
            }
        }
        Flush(content[runStart..], sink);
    }

    /// <summary>Ends the content: a final CR LF when the last line lacks one, then ".CRLF".</summary>
    public void Finish(IContentSink sink)
    {
        if (_pendingCr)
            sink.Write([(byte)'\n']);
        else if (!_lineStart)
            sink.Write(CrLf);
        sink.Write(EndOfData);
        _lineStart = true;
        _pendingCr = false;
    }

    private static void Flush(ReadOnlySpan<byte> run, IContentSink sink)
    {
        if (!run.IsEmpty)
            sink.Write(run);
    }
}
