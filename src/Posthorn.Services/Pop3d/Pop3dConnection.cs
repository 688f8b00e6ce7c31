using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Posthorn.Core.Logging;
using Posthorn.Protocols.Pop3;
using Posthorn.Services.Sasl;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Pop3d;

/// <summary>
/// One POP3 connection: reads command lines, feeds them to <see cref="Pop3Session"/>, writes
/// the replies (RETR/TOP streamed with dot-stuffing), starts TLS for STLS (buffered plaintext
/// input is discarded first, RFC 2595 section 4) or at once in wrapper mode, and enforces
/// pop3d_timeout. Plaintext logins follow Dovecot's disable_plaintext_auth: allowed over TLS,
/// or when the client's address equals the server's (a local connection), or when
/// pop3d_disable_plaintext_auth = no. A dropped connection expunges nothing. Logs in Dovecot's
/// words under the pop3d process name (docs/pop3d.md).
/// </summary>
internal sealed class Pop3dConnection : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Replies are collected here and sent with one write per reply (not one per line or chunk).</summary>
    private const int OutputBufferSize = 16 * 1024;

    private readonly Socket _socket;
    private readonly Pop3dSettings _settings;
    private readonly MailLog _log;
    private readonly string _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string _peer;
    private Stream _stream;
    private BufferedStream _output;
    private bool _tls;
    private string? _method;
    private int _authFailures;
    private int _retr;
    private long _retrBytes;
    private int _top;
    private int _dele;

    public Pop3dConnection(Socket socket, Pop3dSettings settings, MailLog log, string process)
    {
        _socket = socket;
        _settings = settings;
        _log = log;
        _process = process;
        _stream = new BlockingReadStream(socket, settings.Timeout);
        _output = new BufferedStream(_stream, OutputBufferSize);
        _peer = $"rip={Address(socket.RemoteEndPoint)}, lip={Address(socket.LocalEndPoint)}";
    }

    /// <summary>Dovecot's rule: a connection whose remote address equals the local one is secured.</summary>
    public static bool IsLocalConnection(EndPoint? remote, EndPoint? local) =>
        remote is IPEndPoint r && local is IPEndPoint l && Normalize(r.Address).Equals(Normalize(l.Address));

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static string Address(EndPoint? e) => e is IPEndPoint ip ? Normalize(ip.Address).ToString() : "unix";

    public async Task RunAsync(CancellationToken stopping)
    {
        Pop3Session? session = null;
        var backend = new Pop3dBackend(_settings);
        string? closeReason = null;
        // A blocking read does not see the stop signal: closing the socket's receive side ends it.
        using var onStop = stopping.Register(() =>
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Receive);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
        try
        {
            if (_settings.WrapperMode && _settings.Tls is not null)
            {
                _stream = await _settings.Tls.AuthenticateAsync(_stream, HandshakeTimeout, stopping);
                _output = new BufferedStream(_stream, OutputBufferSize);
                _tls = true;
            }
            session = new Pop3Session(backend, Options());
            closeReason = await ServeAsync(session, backend, stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException or OperationCanceledException)
        {
            closeReason ??= e is AuthenticationException ? "TLS handshake failed: " + e.Message : "Connection closed";
        }
        finally
        {
            if (session is not null && session.State == Pop3State.Transaction)
            {
                await session.AbortAsync();
            }
            await _stream.DisposeAsync();
        }
        LogDisconnect(session, backend, closeReason ?? "Connection closed");
    }

    /// <summary>The command loop; returns the reason the connection ended, for the log.</summary>
    private async Task<string> ServeAsync(Pop3Session session, Pop3dBackend backend, CancellationToken stopping)
    {
        await WriteAsync(session.Greeting(), stopping);
        var lineReader = new Pop3LineReader();
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                byte[] line;
                Pop3LineStatus status;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    timeout.CancelAfter(_settings.Timeout);
                    try
                    {
                        (status, line) = await ReadLineAsync(input, lineReader, timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        var text = stopping.IsCancellationRequested ? "Server shutting down." : "Disconnected for inactivity.";
                        await WriteAsync(Pop3Reply.Err(text), CancellationToken.None);
                        return stopping.IsCancellationRequested ? "Server shutting down" : "Disconnected for inactivity";
                    }
                }
                if (status == Pop3LineStatus.NeedMoreData && stopping.IsCancellationRequested)
                {
                    await WriteAsync(Pop3Reply.Err("Server shutting down."), CancellationToken.None);
                    return "Server shutting down";
                }
                if (status == Pop3LineStatus.NeedMoreData)
                    return session.State == Pop3State.Transaction ? "Connection closed" : "Disconnected";
                var before = session.State;
                if (status == Pop3LineStatus.Line && before == Pop3State.Authorization && !session.InSaslExchange)
                    NoteMethod(line);
                var reply = status == Pop3LineStatus.TooLong ? session.LineTooLong() : await session.HandleLineAsync(line, CancellationToken.None);
                Count(line, reply, session);
                await WriteAsync(reply, CancellationToken.None);
                if (before == Pop3State.Authorization && session.State == Pop3State.Transaction)
                    _log.Info(_process, $"Login: user=<{session.UserName}>, method={_method}, {_peer}{(_tls ? ", TLS" : "")}");
                else if (reply.StatusLine.StartsWith("-ERR [AUTH]", StringComparison.Ordinal) && reply.StatusLine.Contains("failed", StringComparison.Ordinal))
                    _authFailures++;
                else if (reply.StatusLine.StartsWith("-ERR [SYS/TEMP]", StringComparison.Ordinal) && backend.LastError is { } error)
                    _log.Warning(_process, $"user=<{backend.LastUser}>, {_peer}: {error}");
                switch (reply.Action)
                {
                    case Pop3ReplyAction.Close:
                        return reply.IsOk ? "Logged out" : "Too many invalid commands";
                    case Pop3ReplyAction.StartTls when _settings.Tls is not null:
                        // RFC 2595 section 4: whatever the client sent after STLS is dropped with the old reader.
                        await input.CompleteAsync();
                        _stream = await _settings.Tls.AuthenticateAsync(_stream, HandshakeTimeout, stopping);
                        _output = new BufferedStream(_stream, OutputBufferSize);
                        _tls = true;
                        session.TlsStarted();
                        input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
                        lineReader = new Pop3LineReader();
                        break;
                }
            }
        }
        finally
        {
            await input.CompleteAsync();
        }
    }

    private static async Task<(Pop3LineStatus, byte[])> ReadLineAsync(PipeReader input, Pop3LineReader lineReader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            var status = lineReader.TryRead(result.Buffer, out var line, out var consumed, out var examined);
            input.AdvanceTo(consumed, examined);
            if (status != Pop3LineStatus.NeedMoreData || result.IsCompleted)
                return (status, line);
        }
    }

    private async Task WriteAsync(Pop3Reply reply, CancellationToken cancellationToken)
    {
        await Pop3ReplyWriter.WriteAsync(reply, _output, cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    /// <summary>Remembers how the client logs in, for the Login log line (USER/PASS is Dovecot's "PLAIN").</summary>
    private void NoteMethod(byte[] line)
    {
        var command = Pop3Command.Parse(line);
        _method = command.Verb switch
        {
            Pop3Verb.Pass or Pop3Verb.User => "PLAIN",
            Pop3Verb.Apop => "APOP",
            Pop3Verb.Auth when command.Arguments.Count > 0 => command.Arguments[0].ToUpperInvariant(),
            _ => _method,
        };
    }

    /// <summary>Counts RETR, TOP and DELE for the logout line.</summary>
    private void Count(byte[] line, Pop3Reply reply, Pop3Session session)
    {
        if (session.State != Pop3State.Transaction && session.State != Pop3State.Closed || !reply.IsOk || line.Length < 3)
            return;
        var verb = Pop3Command.Parse(line).Verb;
        switch (verb)
        {
            case Pop3Verb.Retr:
                _retr++;
                var words = reply.StatusLine.Split(' ');
                if (words.Length > 1 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var octets))
                    _retrBytes += octets;
                break;
            case Pop3Verb.Top:
                _top++;
                break;
            case Pop3Verb.Dele:
                _dele++;
                break;
            case Pop3Verb.Rset:
                _dele = 0;
                break;
        }
    }

    private void LogDisconnect(Pop3Session? session, Pop3dBackend backend, string reason)
    {
        var seconds = (long)_clock.Elapsed.TotalSeconds;
        if (session?.UserName is { } user)
        {
            var messages = backend.Opened?.Messages.Count ?? 0;
            var size = backend.Opened?.TotalSize ?? 0;
            var expunged = reason == "Logged out" ? _dele : 0;
            _log.Info(_process, string.Create(CultureInfo.InvariantCulture,
                $"Disconnected: {reason} user=<{user}>, {_peer}, top={_top}, retr={_retr}/{_retrBytes}, del={expunged}/{messages}, size={size}"));
        }
        else if (_authFailures > 0)
        {
            _log.Info(_process, string.Create(CultureInfo.InvariantCulture,
                $"Disconnected (auth failed, {_authFailures} attempts in {seconds} secs): user=<{backend.LastUser}>, method={_method}, {_peer}{(_tls ? ", TLS" : "")}"));
        }
        else
        {
            _log.Info(_process, string.Create(CultureInfo.InvariantCulture,
                $"Disconnected (no auth attempts in {seconds} secs): user=<>, {_peer}{(_tls ? ", TLS" : "")}: {reason}"));
        }
    }

    private Pop3SessionOptions Options()
    {
        bool local = IsLocalConnection(_socket.RemoteEndPoint, _socket.LocalEndPoint);
        bool plaintext = _settings.TlsLevel != Pop3dTlsLevel.Encrypt && (!_settings.DisablePlaintextAuth || local);
        return new Pop3SessionOptions
        {
            Banner = _settings.Config.Get("pop3d_banner"),
            StlsAvailable = _settings.Tls is not null && _settings.TlsLevel != Pop3dTlsLevel.None && !_tls,
            TlsActive = _tls,
            AllowPlaintextWithoutTls = plaintext,
            SaslMechanisms = _settings.SaslMechanisms,
            SaslFailureDelay = _settings.LoginFailureDelay,
            ScramLookup = _settings.SaslMechanisms.Contains("SCRAM-SHA-256") ? UserScramLookup.For(u => _settings.Users.FindAddress(u)) : null,
            ApopTimestamp = _settings.EnableApop
                ? string.Create(CultureInfo.InvariantCulture, $"<{Environment.ProcessId}.{Stopwatch.GetTimestamp()}@{_settings.Config.Get("myhostname")}>")
                : null,
        };
    }

    public void Dispose() => _stream.Dispose();
}
