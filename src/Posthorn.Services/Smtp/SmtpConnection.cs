using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.SmtpClient;

/// <summary>How a conversation broke: the server went away, went silent past the timeout, or sent a malformed reply.</summary>
internal enum SmtpBreak
{
    Lost,
    Timeout,
    Protocol,
}

/// <summary>
/// A broken conversation, with the stage it broke in ("receiving the initial server greeting",
/// "sending message body", ...), as Postfix's smtp_stream_except reports it.
/// </summary>
internal sealed class SmtpSessionException(SmtpBreak kind, string where, string? detail = null)
    : Exception(where)
{
    public SmtpBreak Kind { get; } = kind;

    public string Where { get; } = where;

    public string? Detail { get; } = detail;
}

/// <summary>
/// One client connection to an SMTP or LMTP server over TCP or a UNIX-domain socket: writes
/// commands and content, reads replies with <see cref="SmtpReplyParser"/> under a per-stage
/// timeout (smtp_*_timeout; zero means no limit), and can switch to TLS after STARTTLS.
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private const int ReplyLineLimit = 4096;
    private readonly Socket _socket;
    private readonly SmtpReplyParser _parser = new(ReplyLineLimit);
    private byte[] _buffer = new byte[8192];
    private int _count;
    private readonly ArrayBufferWriter<byte> _out = new(16384);

    private SmtpConnection(Socket socket, SmtpTarget target)
    {
        _socket = socket;
        Target = target;
        Stream = new NetworkStream(socket, ownsSocket: true);
        Created = DateTime.UtcNow;
    }

    public SmtpTarget Target { get; }

    public Stream Stream { get; set; }

    public DateTime Created { get; }

    /// <summary>Number of deliveries made over this connection (smtp_connection_reuse_count_limit).</summary>
    public int Uses { get; set; }

    /// <summary>Whether TLS is active, and the summary for the log.</summary>
    public string? TlsSummary { get; set; }

    /// <summary>The server's EHLO/LHLO keywords (upper case) and the SIZE limit, 0 for none.</summary>
    public HashSet<string> Keywords { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public long SizeLimit { get; set; }

    /// <summary>The SASL mechanisms of the EHLO reply's AUTH line (empty when AUTH is not offered).</summary>
    public IReadOnlyList<string> AuthMechanisms { get; set; } = [];

    /// <summary>Bytes read but not yet consumed: a reply arrived before we asked (pipelining sanity).</summary>
    public bool HasPendingInput => _count > 0;

    /// <summary>Connects, honouring smtp_connect_timeout and smtp_bind_address; throws <see cref="SocketException"/> or <see cref="TimeoutException"/>.</summary>
    public static async Task<SmtpConnection> ConnectAsync(SmtpTarget target, SmtpClientSettings settings, CancellationToken ct)
    {
        Socket socket;
        EndPoint endpoint;
        if (target.UnixPath is not null)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            endpoint = new UnixDomainSocketEndPoint(target.UnixPath);
        }
        else
        {
            var address = target.Address!;
            socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            endpoint = new IPEndPoint(address, target.Port);
            var bind = address.AddressFamily == AddressFamily.InterNetworkV6 ? settings.BindAddress6 : settings.BindAddress;
            if (!string.IsNullOrWhiteSpace(bind) && IPAddress.TryParse(bind.Trim('[', ']'), out var local))
                socket.Bind(new IPEndPoint(local, 0));
        }
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (settings.ConnectTimeout > TimeSpan.Zero)
                cts.CancelAfter(settings.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endpoint, cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException("Connection timed out");
            }
            return new SmtpConnection(socket, target);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Queues a command (with its CR LF) for the next <see cref="FlushAsync"/>.</summary>
    public void Queue(string command)
    {
        var span = _out.GetSpan(Encoding.UTF8.GetMaxByteCount(command.Length));
        int n = Encoding.UTF8.GetBytes(command, span);
        _out.Advance(n);
    }

    /// <summary>Queues raw bytes (message content).</summary>
    public void QueueBytes(ReadOnlySpan<byte> bytes) => _out.Write(bytes);

    public int QueuedBytes => _out.WrittenCount;

    /// <summary>Sends what is queued; a failure or timeout is reported as breaking in <paramref name="where"/>.</summary>
    public async Task FlushAsync(TimeSpan timeout, string where, CancellationToken ct)
    {
        if (_out.WrittenCount == 0)
            return;
        using var cts = Timer(timeout, ct);
        try
        {
            await Stream.WriteAsync(_out.WrittenMemory, cts.Token);
            await Stream.FlushAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SmtpSessionException(SmtpBreak.Timeout, where);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new SmtpSessionException(SmtpBreak.Lost, where);
        }
        finally
        {
            _out.Clear();
        }
    }

    /// <summary>Reads one complete reply; end of stream, timeout and garbage become <see cref="SmtpSessionException"/>.</summary>
    public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, string where, CancellationToken ct)
    {
        using var cts = Timer(timeout, ct);
        while (true)
        {
            if (_count > 0)
            {
                var seq = new ReadOnlySequence<byte>(_buffer, 0, _count);
                var status = _parser.TryRead(seq, out var reply, out var consumed, out _);
                int used = (int)seq.Slice(0, consumed).Length;
                if (status == ReplyReadStatus.Malformed)
                {
                    var line = Encoding.UTF8.GetString(_buffer, 0, Math.Min(_count, 100)).Split('\n')[0].TrimEnd('\r');
                    throw new SmtpSessionException(SmtpBreak.Protocol, where, line);
                }
                if (used > 0)
                {
                    Buffer.BlockCopy(_buffer, used, _buffer, 0, _count - used);
                    _count -= used;
                }
                if (status == ReplyReadStatus.Complete)
                    return reply!;
            }
            if (_count == _buffer.Length)
                Array.Resize(ref _buffer, _buffer.Length * 2);
            int n;
            try
            {
                n = await Stream.ReadAsync(_buffer.AsMemory(_count), cts.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new SmtpSessionException(SmtpBreak.Timeout, where);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                throw new SmtpSessionException(SmtpBreak.Lost, where);
            }
            if (n == 0)
                throw new SmtpSessionException(SmtpBreak.Lost, where);
            _count += n;
        }
    }

    private static CancellationTokenSource Timer(TimeSpan timeout, CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout > TimeSpan.Zero)
            cts.CancelAfter(timeout);
        return cts;
    }

    /// <summary>True when the peer has closed or sent something unasked (the cached connection is unusable).</summary>
    public bool LooksDead()
    {
        try
        {
            return _count > 0 || (_socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0) || _socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
    }
}
