namespace Posthorn.Core.Queue;

/// <summary>
/// Reads a queue file's content records as one stream of bytes, without loading the message:
/// starts at the first content record and walks record by record until the extracted section.
/// </summary>
internal sealed class QueueContentStream : Stream
{
    private readonly FileStream _file;
    private readonly long _length;
    private long _position;
    private int _recordLeft;

    public QueueContentStream(string path, long offset, long length)
    {
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _file.Position = offset;
        _length = length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_recordLeft == 0)
        {
            if (_position >= _length)
                return 0;
            var status = RecordIO.ReadHeader(_file, int.MaxValue, out byte type, out int len);
            if (status != RecordIO.HeaderStatus.Ok || type != (byte)RecordType.Content)
                throw new InvalidDataException($"{_file.Name}: content record expected at offset {_file.Position}");
            _recordLeft = len;
        }
        int n = _file.Read(buffer[..Math.Min(buffer.Length, _recordLeft)]);
        if (n == 0)
            throw new InvalidDataException($"{_file.Name}: unexpected end of file in content");
        _recordLeft -= n;
        _position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _file.Dispose();
        base.Dispose(disposing);
    }
}
