using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.Cleanup;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// One SMTP server session (smtpd(8), RFC 5321): greeting, the command loop and its replies,
/// over a <see cref="PipeReader"/> / <see cref="PipeWriter"/> pair, so tests run it over an
/// in-memory duplex pipe and the service over a NetworkStream. Replies are buffered and
/// flushed when no more pipelined input is waiting (RFC 2920). Enforces smtpd_timeout (421
/// 4.4.2), smtpd_hard_error_limit (421 4.7.0), smtpd_soft_error_limit with
/// smtpd_error_sleep_time, smtpd_junk_command_limit, line_length_limit,
/// smtpd_forbid_bare_newline and smtpd_forbid_unauth_pipelining, and logs as Postfix's smtpd:
/// "connect from", "ID: client=", "lost connection after CMD", "timeout after CMD",
/// "disconnect from name[addr] ehlo=1 ... commands=N".
/// The transport can be replaced mid-session (<see cref="ReplaceTransport"/>) for STARTTLS.
/// </summary>
public sealed partial class SmtpdSession : IDisposable
{
    private const int PeekLimit = 100;
    private readonly SmtpdServer _server;
    private readonly SmtpdSettings _s;
    private readonly SmtpdCheckState _check;
    private readonly SmtpCommandParser _parser;
    private readonly SmtpLineReader _lineReader;
    private readonly SmtpSequence _sequence;
    private readonly SmtpdCommandStats _stats = new();
    private readonly int _clientPort;
    private PipeReader _in;
    private PipeWriter _out;
    private CancellationTokenSource _readTimeout = new();
    private string _where = "CONNECT";
    private string? _reason;      // "lost connection", "timeout", "too many errors"
    private int _errorCount;
    private int _junkCommands;
    private bool _hangup;
    private bool _illegalPipeliningFlagged;
    private bool _bareLfNote;
    private string? _accessDenied;
    private bool _esmtp;
    private string? _pendingPeek;   // input after the current command line, for pipelining checks
    private string? _inCommand;     // the command running now, counted as failed if the session breaks
    private BareNewlinePolicy _bareNewline;   // smtpd_forbid_bare_newline, unless the client is excluded

    public SmtpdSession(SmtpdServer server, PipeReader input, PipeWriter output, IPAddress clientAddress, int clientPort = 0)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(clientAddress);
        _server = server;
        _s = server.Settings;
        _in = input;
        _out = output;
        _clientPort = clientPort;
        _check = new SmtpdCheckState("unknown", clientAddress);
        _parser = new SmtpCommandParser(lmtp: false, requireValidUtf8: _s.SmtpUtf8, myHostname: _s.MyHostname);
        _lineReader = new SmtpLineReader(_s.LineLengthLimit);
        _sequence = new SmtpSequence(_s.HeloRequired, _s.RecipientLimit);
    }

    public void Dispose()
    {
        _readTimeout.Dispose();
        _writer?.Dispose();
    }

    /// <summary>"name[addr]" as logged.</summary>
    public string NameAddress => _check.NameAddress;

    private string Process => _server.ProcessName;

    /// <summary>
    /// The STARTTLS swap point: after the TLS handshake the session continues over the new
    /// transport. Any input still buffered in the old reader is discarded first (as Postfix's
    /// starttls_cmd does), so no plaintext command is taken as protected.
    /// </summary>
    public void ReplaceTransport(PipeReader input, PipeWriter output)
    {
        _in = input;
        _out = output;
        _sequence.OnTlsStarted();
        _check.TlsActive = true;
    }

    /// <summary>Runs the session to its end; never throws for client behaviour.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await RunCoreAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_readTimeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            _reason = "timeout";
            await TryReplyAsync($"421 4.4.2 {_s.MyHostname} Error: timeout exceeded").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _reason ??= "lost connection";
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            _reason ??= "lost connection";
        }
        finally
        {
            if (_inCommand is not null)
                _stats.Count(_inCommand, false);
            if (_reason is not null)
                LogAbnormalEnd();
            AbortTransaction();
            NotifyPostmaster();
            _server.Log.Info(Process, "disconnect from " + _check.NameAddress + _stats.Format(_bareLfNote));
        }
    }

    private async Task RunCoreAsync(CancellationToken ct)
    {
        var names = await _server.NameLookup(_check.ClientAddress, ct).ConfigureAwait(false);
        _check.ClientName = names.Name;
        _check.ReverseClientName = names.ReverseName;
        _check.ClientNameStatus = names.NameStatus;
        _check.ReverseNameStatus = names.ReverseStatus;
        _server.Log.Info(Process, "connect from " + _check.NameAddress);
        _bareNewline = _server.IsBareNewlineExcluded(_check.ClientName, _check.ClientAddress) ? BareNewlinePolicy.No : _s.BareNewline;
        if (Security.WrapperMode)
        {
            // smtpd_tls_wrappermode without a certificate must not fall back to plaintext.
            if (TlsHandshake is null || Security.Tls is null)
            {
                _server.Log.Warning(Process, "smtpd_tls_wrappermode = yes but no TLS certificate (smtpd_tls_cert_file): dropping the connection");
                return;
            }
            if (!await HandshakeAsync(ct).ConfigureAwait(false))
                return;
        }

        if (PeekPending(out var early))
        {
            FlagIllegalPipelining(early);
            if (_s.ForbidUnauthPipelining)
            {
                await ReplyAsync("554 5.5.0 Error: SMTP protocol synchronization").ConfigureAwait(false);
                await FlushAsync().ConfigureAwait(false);
                return;
            }
        }

        bool anvilCounted = false;
        try
        {
            if (!_server.IsEventLimitException(_check.ClientName, _check.ClientAddress))
            {
                var (count, rate) = _server.Anvil.Connect(_check.ClientAddress);
                anvilCounted = true;
                if (_s.ConnectionCountLimit > 0 && count > _s.ConnectionCountLimit)
                {
                    _server.Log.Warning(Process, $"Connection concurrency limit exceeded: {count} from {_check.NameAddress} for service {_server.ServiceName}");
                    await ReplyAsync($"421 4.7.0 {_s.MyHostname} Error: too many connections from {_check.ClientAddressText}").ConfigureAwait(false);
                    await FlushAsync().ConfigureAwait(false);
                    return;
                }
                if (_s.ConnectionRateLimit > 0 && rate > _s.ConnectionRateLimit)
                {
                    _server.Log.Warning(Process, $"Connection rate limit exceeded: {rate} from {_check.NameAddress} for service {_server.ServiceName}");
                    await ReplyAsync($"421 4.7.0 {_s.MyHostname} Error: too many connections from {_check.ClientAddressText}").ConfigureAwait(false);
                    await FlushAsync().ConfigureAwait(false);
                    return;
                }
            }

            string? denied = _s.DelayReject ? null : await _server.Restrictions.CheckClientAsync(_check, ct).ConfigureAwait(false);
            if (denied is not null)
            {
                _accessDenied = denied;
                await ReplyAsync(denied).ConfigureAwait(false);
                _errorCount++;
            }
            else
            {
                await ReplyAsync("220 " + _s.Banner).ConfigureAwait(false);
            }
            await CommandLoopAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            if (anvilCounted)
                _server.Anvil.Disconnect(_check.ClientAddress);
        }
    }

    private async Task CommandLoopAsync(CancellationToken ct)
    {
        while (!_hangup && !_check.Hangup)
        {
            if (_errorCount >= _s.HardErrorLimit)
            {
                _reason = "too many errors";
                await ReplyAsync($"421 4.7.0 {_s.MyHostname} Error: too many errors").ConfigureAwait(false);
                break;
            }
            var next = await ReadCommandAsync(ct).ConfigureAwait(false);
            if (next is null)
            {
                _reason = "lost connection";
                return;
            }
            var (parsed, line) = next.Value;
            _transcript.In(HistoryText(line));
            if (line.TooLong)
            {
                await ReplyAsync(parsed.Error!).ConfigureAwait(false);
                continue;
            }
            if (line.HasBareNewline)
            {
                if (_bareNewline == BareNewlinePolicy.Reject)
                {
                    LogWhatsup("reject", "bare <LF> received");
                    await ReplyAsync($"{_s.BareNewlineRejectCode} 5.5.2 {_s.MyHostname} Error: bare <LF> received").ConfigureAwait(false);
                    break;
                }
                if (_bareNewline == BareNewlinePolicy.Note)
                    _bareLfNote = true;
            }
            if (parsed.IsError && parsed.Error != SmtpReplies.CommandNotRecognized && parsed.Command is null
                && (parsed.Error == SmtpReplies.BadSyntax || parsed.Error == SmtpReplies.BadUtf8Syntax))
            {
                _stats.Count("unknown", false);
                _where = "UNKNOWN";
                _errorCount++;
                NoteError(ErrorClass.Protocol);
                await ReplyAsync(parsed.Error).ConfigureAwait(false);
                continue;
            }
            string verb = parsed.Command?.VerbText ?? VerbOf(line);
            int index = SmtpdCommandStats.IndexOf(verb);
            string statName = SmtpdCommandStats.Names[index];
            bool known = statName != "unknown" && statName is not ("xclient" or "xforward");
            if (_s.NoopCommands.Contains(verb))
            {
                // smtpd_noop_commands: answered as NOOP, not counted (as Postfix).
                await ReplyAsync("250 2.0.0 Ok").ConfigureAwait(false);
                if (_junkCommands++ > _s.JunkCommandLimit)
                    _errorCount++;
                continue;
            }
            if (!known)
            {
                _where = "UNKNOWN";
                if (IsHeaderLabel(verb))
                {
                    _stats.Count("unknown", false);
                    _server.Log.Warning(Process, $"non-SMTP command from {_check.NameAddress}: {Truncate(Escape(line.Text), 100)}");
                    await ReplyAsync("221 2.7.0 Error: I can break rules, too. Goodbye.").ConfigureAwait(false);
                    break;
                }
            }
            if (_accessDenied is not null && statName != "quit")
            {
                _stats.Count(statName, false);
                if (_accessDenied.Length > 3 && _accessDenied.AsSpan(1, 2).SequenceEqual("21"))
                    await ReplyAsync(_accessDenied).ConfigureAwait(false);
                else
                {
                    await ReplyAsync($"503 5.7.0 Error: access denied for {_check.NameAddress}").ConfigureAwait(false);
                    _errorCount++;
                }
                continue;
            }
            if (!known)
            {
                _stats.Count("unknown", false);
                _errorCount++;
                NoteError(ErrorClass.Protocol);
                await ReplyAsync(SmtpReplies.CommandNotRecognized).ConfigureAwait(false);
                continue;
            }
            _where = statName.ToUpperInvariant();
            bool lastInGroup = statName is "helo" or "ehlo" or "data" or "noop" or "vrfy" or "starttls";
            if ((!_esmtp || lastInGroup) && !_illegalPipeliningFlagged && _pendingPeek is not null)
            {
                FlagIllegalPipelining(_pendingPeek);
                if (_s.ForbidUnauthPipelining)
                {
                    await ReplyAsync("554 5.5.0 Error: SMTP protocol synchronization").ConfigureAwait(false);
                    break;
                }
            }
            _check.Where = _where;
            _inCommand = statName;
            // Postfix checks the transaction state (nested MAIL, need MAIL, need RCPT) before syntax.
            SmtpReply? outOfOrder = parsed.IsError ? SequenceBeforeSyntax(statName) : null;
            bool ok = outOfOrder is not null
                ? await RefuseAsync(outOfOrder).ConfigureAwait(false)
                : parsed.IsError
                ? await SyntaxErrorAsync(parsed.Error!).ConfigureAwait(false)
                : await DispatchAsync(parsed.Command!, ct).ConfigureAwait(false);
            _inCommand = null;
            if (statName is "ehlo" or "helo" or "rset" or "data" or "bdat")
                FlushHistoryIfLong();
            _stats.Count(statName, ok);
            if (!ok)
                _errorCount++;
            if (statName is "helo" or "ehlo" or "rset" or "noop" or "vrfy" or "etrn" && _junkCommands++ > _s.JunkCommandLimit)
                _errorCount++;
            if (statName == "quit")
                break;
        }
        await FlushAsync().ConfigureAwait(false);
    }

    private async ValueTask<bool> SyntaxErrorAsync(SmtpReply error)
    {
        NoteError(ErrorClass.Protocol);
        await ReplyAsync(error).ConfigureAwait(false);
        if (error == SmtpReplies.BdatSyntax)
            _hangup = true; // the rest of the input would be raw content
        return false;
    }

    private ValueTask<bool> DispatchAsync(SmtpCommand cmd, CancellationToken ct) =>
        cmd.Verb is SmtpVerb.Mail or SmtpVerb.Rcpt or SmtpVerb.Data or SmtpVerb.Bdat or SmtpVerb.Vrfy or SmtpVerb.Etrn
            && TlsRequired() is { } mustTls
            ? Simple(mustTls, false)
            : DispatchCoreAsync(cmd, ct);

    private ValueTask<bool> DispatchCoreAsync(SmtpCommand cmd, CancellationToken ct) => cmd.Verb switch
    {
        SmtpVerb.Helo => HeloAsync(cmd, esmtp: false, ct),
        SmtpVerb.Ehlo => HeloAsync(cmd, esmtp: true, ct),
        SmtpVerb.Mail => MailAsync(cmd, ct),
        SmtpVerb.Rcpt => RcptAsync(cmd, ct),
        SmtpVerb.Data => DataAsync(ct),
        SmtpVerb.Bdat => BdatAsync(cmd, ct),
        SmtpVerb.Rset => RsetAsync(),
        SmtpVerb.Noop => Simple("250 2.0.0 Ok", true),
        SmtpVerb.Quit => Simple("221 2.0.0 Bye", true),
        SmtpVerb.Vrfy => VrfyAsync(cmd, ct),
        SmtpVerb.Etrn => EtrnAsync(cmd, ct),
        SmtpVerb.Help => Simple("214 2.0.0 Commands: BDAT DATA EHLO ETRN HELO HELP MAIL NOOP QUIT RCPT RSET VRFY", true),
        SmtpVerb.StartTls => StartTlsAsync(ct),
        SmtpVerb.Auth => AuthAsync(cmd, ct),
        _ => Simple("500 5.5.2 Error: command not recognized", false),
    };

    private async ValueTask<bool> Simple(string reply, bool ok)
    {
        await ReplyAsync(reply).ConfigureAwait(false);
        return ok;
    }

    private async ValueTask<bool> RefuseAsync(SmtpReply reply)
    {
        await ReplyAsync(reply).ConfigureAwait(false);
        return false;
    }

    private SmtpReply? SequenceBeforeSyntax(string statName) => statName switch
    {
        "mail" => _sequence.Check(SmtpVerb.Mail),
        "rcpt" => _sequence.Check(SmtpVerb.Rcpt) is { } r && r != SmtpSequence.TooManyRecipients ? r : null,
        "data" => _sequence.Check(SmtpVerb.Data),
        _ => null,
    };

    private static string VerbOf(SmtpLine line)
    {
        var text = Encoding.Latin1.GetString(line.Text.ToArray()).Trim(' ', '\t');
        int sp = text.IndexOfAny([' ', '\t']);
        return sp < 0 ? text : text[..sp];
    }

    /// <summary>Reads one command line; null at end of input. Flushes replies before waiting.</summary>
    private async ValueTask<(SmtpParseResult, SmtpLine)?> ReadCommandAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_lineReader.TryReadLine(buffer, out var line, out var consumed, out var examined))
            {
                var parsed = _parser.Parse(line);
                var copy = new SmtpLine(new ReadOnlySequence<byte>(line.Text.ToArray()), line.Ending, line.HasBareCr, line.TooLong);
                var rest = buffer.Slice(consumed);
                _pendingPeek = rest.IsEmpty ? null : Escape(rest.Slice(0, Math.Min(rest.Length, PeekLimit)));
                _in.AdvanceTo(consumed);
                return (parsed, copy);
            }
            _in.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
                return null;
        }
    }

    /// <summary>A read with smtpd_timeout; replies are flushed first when no input is waiting.</summary>
    private async ValueTask<ReadResult> ReadAsync(CancellationToken ct)
    {
        if (_in.TryRead(out var ready))
            return ready;
        await FlushAsync().ConfigureAwait(false);
        RestartTimeout();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _readTimeout.Token);
        return await _in.ReadAsync(linked.Token).ConfigureAwait(false);
    }

    private bool PeekPending(out string data)
    {
        data = "";
        if (!_in.TryRead(out var result))
            return false;
        var buffer = result.Buffer;
        bool any = !buffer.IsEmpty;
        if (any)
            data = Escape(buffer.Slice(0, Math.Min(buffer.Length, PeekLimit)));
        _in.AdvanceTo(buffer.Start, buffer.Start);
        return any;
    }

    private void FlagIllegalPipelining(string data)
    {
        _illegalPipeliningFlagged = true;
        _check.IllegalPipelining = true;
        _server.Log.Info(Process, $"improper command pipelining after {_where} from {_check.NameAddress}: {data}");
    }

    /// <summary>Postfix's is_header(): a header label ("Subject:", "Host:") where a command should be.</summary>
    internal static bool IsHeaderLabel(string word)
    {
        if (word.Length < 2 || word[^1] != ':')
            return false;
        foreach (char c in word.AsSpan(0, word.Length - 1))
            if (c <= ' ' || c >= 127 || c == ':')
                return false;
        return true;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    /// <summary>Postfix's escape(): control characters as \r, \n, \t or \ooo.</summary>
    internal static string Escape(ReadOnlySequence<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var mem in bytes)
        {
            foreach (byte b in mem.Span)
            {
                switch (b)
                {
                    case (byte)'\r': sb.Append("\\r"); break;
                    case (byte)'\n': sb.Append("\\n"); break;
                    case (byte)'\t': sb.Append("\\t"); break;
                    case (byte)'\\': sb.Append("\\\\"); break;
                    default:
                        if (b < 0x20 || b >= 0x7f)
                            sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
                        else
                            sb.Append((char)b);
                        break;
                }
            }
        }
        return sb.ToString();
    }

    private async ValueTask ReplyAsync(SmtpReply reply)
    {
        await SleepOnErrorsAsync(reply.Code).ConfigureAwait(false);
        _transcript.Out(reply.ToString());
        reply.WriteTo(_out);
    }

    /// <summary>A reply line as text (restriction and cleanup replies); no line ending.</summary>
    private async ValueTask ReplyAsync(string reply)
    {
        int code = reply.Length >= 3 && int.TryParse(reply.AsSpan(0, 3), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out int c) ? c : 0;
        await SleepOnErrorsAsync(code).ConfigureAwait(false);
        var clean = reply.AsSpan().IndexOfAny('\r', '\n') >= 0 ? reply.Replace('\r', ' ').Replace('\n', ' ') : reply;
        _transcript.Out(clean);
        var span = _out.GetSpan(Encoding.UTF8.GetMaxByteCount(clean.Length) + 2);
        int n = Encoding.UTF8.GetBytes(clean, span);
        span[n] = (byte)'\r';
        span[n + 1] = (byte)'\n';
        _out.Advance(n + 2);
    }

    private async ValueTask ReplyAsync(ReadOnlyMemory<byte> literal)
    {
        await SleepOnErrorsAsync(literal.Span.Length > 0 && literal.Span[0] >= (byte)'4' ? 400 : 200).ConfigureAwait(false);
        _transcript.Out(Encoding.Latin1.GetString(literal.Span));
        _out.Write(literal.Span);
    }

    /// <summary>smtpd_soft_error_limit: past it every reply waits smtpd_error_sleep_time.</summary>
    private async ValueTask SleepOnErrorsAsync(int code)
    {
        if (_errorCount >= _s.SoftErrorLimit && _s.ErrorSleepTime > TimeSpan.Zero)
        {
            await FlushAsync().ConfigureAwait(false);
            await Task.Delay(_s.ErrorSleepTime).ConfigureAwait(false);
        }
        _ = code;
    }

    private async ValueTask TryReplyAsync(string reply)
    {
        try
        {
            await ReplyAsync(reply).ConfigureAwait(false);
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone.
        }
    }

    /// <summary>Sends the buffered replies; a client that does not read them within smtpd_timeout times out.</summary>
    private async ValueTask FlushAsync()
    {
        if (_out.CanGetUnflushedBytes && _out.UnflushedBytes == 0)
            return;
        RestartTimeout();
        await _out.FlushAsync(_readTimeout.Token).ConfigureAwait(false);
    }

    private void RestartTimeout()
    {
        if (!_readTimeout.TryReset())
        {
            _readTimeout.Dispose();
            _readTimeout = new CancellationTokenSource();
        }
        _readTimeout.CancelAfter(_s.Timeout);
    }

    /// <summary>"NOQUEUE: reject: DATA from name[addr]: text; from=&lt;s&gt; to=&lt;r&gt; proto=ESMTP helo=&lt;h&gt;".</summary>
    private void LogWhatsup(string action, string text)
    {
        var sb = new StringBuilder();
        sb.Append(_lastQueueIdForLog ?? "NOQUEUE").Append(": ").Append(action).Append(": ").Append(_where)
          .Append(" from ").Append(_check.NameAddress).Append(": ").Append(text);
        if (_check.Sender is not null)
            sb.Append("; from=<").Append(_check.Sender).Append('>');
        if (_check.Recipient is not null)
            sb.Append(_check.Sender is null ? "; " : " ").Append("to=<").Append(_check.Recipient).Append('>');
        sb.Append(_check.Sender is null && _check.Recipient is null ? "; " : " ").Append("proto=").Append(_check.Protocol);
        if (_check.HeloName is not null)
            sb.Append(" helo=<").Append(_check.HeloName).Append('>');
        _server.Log.Info(Process, sb.ToString());
    }

    private string? _lastQueueIdForLog => _writer?.QueueId;

    private void LogAbnormalEnd()
    {
        // Postfix 3.7's wording: no queue id; the byte count while content was arriving.
        if (_where is "DATA" or "BDAT" && _dataStarted)
            _server.Log.Info(Process, $"{_reason} after {_where} ({_dataBytes} bytes) from {_check.NameAddress}");
        else if (_where != "END-OF-MESSAGE" || _reason != "lost connection")
            _server.Log.Info(Process, $"{_reason} after {_where} from {_check.NameAddress}");
    }
}
