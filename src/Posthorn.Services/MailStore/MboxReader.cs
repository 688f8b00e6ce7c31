using System.Security.Cryptography;
using System.Text;

namespace Posthorn.Services.MailStore;

/// <summary>Where one message lies in an mbox file: the From_ line at <see cref="Start"/>, the content from <see cref="ContentStart"/> to <see cref="ContentEnd"/>, the next message (or EOF) at <see cref="End"/>.</summary>
public sealed record MboxEntry(long Start, long ContentStart, long ContentEnd, long End, string FromLine, string Key, MessageFlags Flags, long VirtualSize);

/// <summary>
/// Splits an mbox file into messages. A message begins at a line starting with "From " that
/// is the first line of the file or follows an empty line (what Postfix, s-nail and Dovecot
/// write; quoted ">From " lines never match). The blank line before the next From_ line is
/// the separator, not content. Each message gets a key for the uid list: a SHA-256 digest of
/// its From_ line and its header lines except the ones mail readers rewrite in place
/// (Status, X-Status, X-UID, X-Keywords, Content-Length), with "#N" added for the Nth
/// identical message; and its flags from Status/X-Status. Content is returned as stored
/// (mboxo quoting is not undone, as mutt and Dovecot read it).
/// </summary>
public static class MboxReader
{
    private static readonly string[] VolatileHeaders = ["status:", "x-status:", "x-uid:", "x-keywords:", "content-length:"];

    public static List<MboxEntry> Scan(Stream s)
    {
        s.Seek(0, SeekOrigin.Begin);
        var entries = new List<MboxEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new LineReader(s);
        bool previousEmpty = true;
        Builder? current = null;
        while (reader.Next(out long offset, out var line))
        {
            bool isFrom = previousEmpty && line.StartsWith("From "u8);
            if (isFrom)
            {
                if (current is not null)
                    entries.Add(current.Finish(offset, seen));
                current = new Builder(offset, offset + line.Length, Encoding.UTF8.GetString(line.TrimEnd("\n"u8)));
            }
            else
            {
                current?.Add(line, offset);
            }
            previousEmpty = line.Length == 1 && line[0] == (byte)'\n';
        }
        if (current is not null)
            entries.Add(current.Finish(reader.Position, seen));
        return entries;
    }

    private sealed class Builder
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly long _start;
        private readonly long _contentStart;
        private readonly string _fromLine;
        private bool _inHeaders = true;
        private bool _skippingHeader;
        private string? _status;
        private string? _xStatus;
        private long _lastLineStart = -1;
        private bool _lastLineEmpty;
        private long _lines;

        public Builder(long start, long contentStart, string fromLine)
        {
            _start = start;
            _contentStart = contentStart;
            _fromLine = fromLine;
            _hash.AppendData(Encoding.UTF8.GetBytes(fromLine));
        }

        public void Add(ReadOnlySpan<byte> line, long offset)
        {
            _lastLineStart = offset;
            _lastLineEmpty = line.Length == 1 && line[0] == (byte)'\n';
            if (line.Length > 0 && line[^1] == (byte)'\n')
                _lines++;
            if (!_inHeaders)
                return;
            if (_lastLineEmpty)
            {
                _inHeaders = false;
                return;
            }
            bool continuation = line.Length > 0 && (line[0] == (byte)' ' || line[0] == (byte)'\t');
            if (!continuation)
            {
                var text = Encoding.UTF8.GetString(line).TrimEnd('\n');
                _skippingHeader = Array.Exists(VolatileHeaders, h => text.StartsWith(h, StringComparison.OrdinalIgnoreCase));
                if (text.StartsWith("status:", StringComparison.OrdinalIgnoreCase))
                    _status = text[7..].Trim();
                else if (text.StartsWith("x-status:", StringComparison.OrdinalIgnoreCase))
                    _xStatus = text[9..].Trim();
            }
            if (!_skippingHeader)
                _hash.AppendData(line);
        }

        public MboxEntry Finish(long end, Dictionary<string, int> seen)
        {
            // The empty line before the next From_ (or at EOF) separates messages.
            long contentEnd = _lastLineEmpty && _lastLineStart >= 0 && _lastLineStart + 1 == end ? _lastLineStart : end;
            if (_lastLineEmpty && contentEnd == _lastLineStart)
                _lines--;
            var digest = Convert.ToHexString(_hash.GetHashAndReset(), 0, 16).ToLowerInvariant();
            _hash.Dispose();
            int n = seen.TryGetValue(digest, out var c) ? c + 1 : 1;
            seen[digest] = n;
            var key = n == 1 ? digest : $"{digest}#{n}";
            long size = contentEnd - _contentStart;
            return new MboxEntry(_start, _contentStart, contentEnd, end, _fromLine, key, MessageFlagLetters.FromMboxStatus(_status, _xStatus), size + Math.Max(0, _lines));
        }
    }

    /// <summary>Reads lines (with their '\n') and their offsets from a stream, with a growing buffer.</summary>
    private sealed class LineReader(Stream s)
    {
        private byte[] _buf = new byte[64 * 1024];
        private int _start;
        private int _end;
        private long _bufOffset;

        public long Position => _bufOffset + _start;

        public bool Next(out long offset, out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                int nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
                if (nl >= 0)
                {
                    offset = _bufOffset + _start;
                    line = _buf.AsSpan(_start, nl + 1 - _start);
                    _start = nl + 1;
                    return true;
                }
                if (!Fill())
                {
                    offset = _bufOffset + _start;
                    line = _buf.AsSpan(_start, _end - _start);
                    _start = _end;
                    return line.Length > 0;
                }
            }
        }

        private bool Fill()
        {
            if (_start > 0)
            {
                Array.Copy(_buf, _start, _buf, 0, _end - _start);
                _bufOffset += _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buf.Length)
                Array.Resize(ref _buf, _buf.Length * 2);
            int n = s.Read(_buf, _end, _buf.Length - _end);
            _end += n;
            return n > 0;
        }
    }
}
