using System.IO.Pipelines;
using System.Net.Security;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Tls;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// STARTTLS (RFC 3207) and smtpd_tls_wrappermode as Postfix's smtpd does them: "220 2.0.0 Ready
/// to start TLS", plaintext that the client pipelined after STARTTLS is thrown away (never
/// executed, never answered: the STARTTLS command injection attack), the handshake, then the
/// session starts over (the client must EHLO again). Logs "Anonymous TLS connection established
/// from name[addr]: TLSv1.3 with cipher C (256/256 bits)". smtpd_tls_security_level = encrypt
/// refuses mail commands before TLS with "530 5.7.0 Must issue a STARTTLS command first".
/// </summary>
public sealed partial class SmtpdSession
{
    private CleanupTls? _tls;

    /// <summary>Runs the server handshake over the connection's raw stream (set by the service); null when the transport cannot do TLS.</summary>
    public Func<CancellationToken, Task<SslStream>>? TlsHandshake { get; set; }

    private SmtpdSecuritySettings Security => _server.Security;

    /// <summary>STARTTLS is offered: a certificate is configured, the level is may/encrypt and TLS is not on yet.</summary>
    private bool StartTlsOffered => Security.Tls is not null && !Security.WrapperMode && Security.Level != SmtpdTlsLevel.None
        && _tls is null && TlsHandshake is not null;

    /// <summary>Level encrypt: the reply for mail commands before STARTTLS, or null.</summary>
    private string? TlsRequired() =>
        Security.Level == SmtpdTlsLevel.Encrypt && _tls is null ? "530 5.7.0 Must issue a STARTTLS command first" : null;

    private async ValueTask<bool> StartTlsAsync(CancellationToken ct)
    {
        if (!StartTlsOffered)
        {
            if (_tls is not null)
            {
                await ReplyAsync(SmtpSequence.TlsAlreadyActive).ConfigureAwait(false);
                return false;
            }
            await ReplyAsync("502 5.5.1 Error: command not implemented").ConfigureAwait(false);
            return false;
        }
        await ReplyAsync("220 2.0.0 Ready to start TLS").ConfigureAwait(false);
        await FlushAsync().ConfigureAwait(false);
        return await HandshakeAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Discards buffered plaintext, runs the handshake and swaps the transport; false (and hangup) when it fails.</summary>
    private async ValueTask<bool> HandshakeAsync(CancellationToken ct)
    {
        // Anything the client sent after STARTTLS in the clear is dropped unread.
        if (_in.TryRead(out var pending))
        {
            if (!pending.Buffer.IsEmpty)
                _server.Log.Info(Process, $"discarding {pending.Buffer.Length} bytes of plaintext after STARTTLS from {_check.NameAddress}");
            _in.AdvanceTo(pending.Buffer.End);
        }
        _pendingPeek = null;
        SslStream ssl;
        try
        {
            ssl = await TlsHandshake!(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            _server.Log.Warning(Process, $"TLS library problem: {e.Message}");
            _server.Log.Info(Process, $"SSL_accept error from {_check.NameAddress}: {(e is OperationCanceledException ? "timeout" : "lost connection")}");
            _hangup = true;
            _reason = null;
            return false;
        }
        await _in.CompleteAsync().ConfigureAwait(false);
        AbortTransaction();
        _tls = Describe(ssl);
        _server.Log.Info(Process, $"Anonymous TLS connection established from {_check.NameAddress}: {TlsServerContext.Describe(ssl)} ({_tls.UseBits}/{_tls.AlgBits} bits)");
        ReplaceTransport(PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true)),
            PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true)));
        // RFC 3207 4.2: the client knows nothing from before; HELO/EHLO and SASL start over.
        _check.HeloName = null;
        _check.SaslMethod = null;
        _check.SaslUsername = null;
        _esmtp = false;
        return true;
    }

    private static CleanupTls Describe(SslStream ssl)
    {
        var cipher = ssl.NegotiatedCipherSuite.ToString();
        int bits = cipher.Contains("AES_128", StringComparison.Ordinal) ? 128 : 256;
        var protocol = TlsServerContext.Describe(ssl);
        protocol = protocol[..protocol.IndexOf(' ', StringComparison.Ordinal)];
        return new CleanupTls(protocol, cipher, bits, bits);
    }
}
