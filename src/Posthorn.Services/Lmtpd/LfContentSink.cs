using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// Collects DATA content for delivery in the store's form: CR LF becomes LF (Maildir and mbox
/// files hold LF line ends; POP3 and IMAP convert back), a CR split from its LF across two
/// reads is handled, and nothing past message_size_limit is kept (the reader reports TooBig).
/// </summary>
internal sealed class LfContentSink : IContentSink
{
    private readonly long _limit;
    private byte[] _buffer = new byte[8192];
    private bool _pendingCr;

    public LfContentSink(long limit) => _limit = limit;

    public byte[] Buffer => _buffer;

    public int Length { get; private set; }

    public void Write(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (_pendingCr)
            {
                _pendingCr = false;
                if (b != (byte)'\n')
                    Add((byte)'\r');
            }
            if (b == (byte)'\r')
                _pendingCr = true;
            else
                Add(b);
        }
    }

    /// <summary>Call at the end of data: keeps a final lone CR.</summary>
    public void Complete()
    {
        if (_pendingCr)
            Add((byte)'\r');
        _pendingCr = false;
    }

    private void Add(byte b)
    {
        if (_limit > 0 && Length >= _limit)
            return;
        if (Length == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);
        _buffer[Length++] = b;
    }
}
