using System.IO.Pipelines;
using System.Net;
using System.Security.Authentication;
using System.Net.Sockets;
using Posthorn.Protocols.Imap;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Imapd;

/// <summary>
/// One IMAP connection (RFC 3501): greeting, the command loop (ImapCommandReader with literal
/// continuations, ImapCommandParser, ImapStateTable), the autologout timers (imapd_timeout,
/// imapd_login_timeout), and a BYE when the service stops. Commands are in the partial files
/// ImapSession.Auth (not authenticated), .Mailboxes (authenticated) and .Messages (selected).
/// Runs as mail_owner inside the master; reads only the logged-in user's mail store.
/// </summary>
internal sealed partial class ImapSession : IDisposable
{
    private readonly ImapdContext _ctx;
    private readonly Stream _network;
    private readonly IPEndPoint? _remote;
    private readonly IPEndPoint? _local;
    private readonly CancellationToken _stopping;
    private readonly ImapResponseWriter _w = new();
    private ImapCommandReader _reader;
    private Stream _stream;
    private PipeReader _pipe;
    private ImapState _state = ImapState.NotAuthenticated;
    private bool _tlsActive;
    private int _commands;
    private int _errors;

    public ImapSession(ImapdContext ctx, Stream network, IPEndPoint? remote, IPEndPoint? local, CancellationToken stopping)
    {
        _ctx = ctx;
        _network = network;
        _stream = network;
        _remote = remote;
        _local = local;
        _stopping = stopping;
        _reader = new ImapCommandReader(PreLoginLimits);
        _pipe = PipeReader.Create(network, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>Before login a literal may be no longer than a command line, so that no unauthenticated client makes us buffer a message.</summary>
    private ImapLimits PreLoginLimits => _ctx.Settings.Limits with
    {
        MaxLiteralSize = Math.Min(_ctx.Settings.Limits.MaxLiteralSize, _ctx.Settings.Limits.MaxLineLength),
    };

    private string Client => $"{_remote?.Address.ToString() ?? "unknown"}";

    private string ClientLog => $"unknown[{Client}]";

    private string Who => _user is null ? ClientLog : $"{ClientLog} user=<{_user}>";

    private bool PlaintextAllowed =>
        ImapdCapabilities.PlaintextAllowed(_ctx.Settings.DisablePlaintextAuth, _tlsActive, _remote?.Address, _local?.Address);

    private string Capability() =>
        ImapdCapabilities.Format(_state != ImapState.NotAuthenticated, _ctx.Tls is not null, _tlsActive, PlaintextAllowed);

    public async Task RunAsync()
    {
        _ctx.Log.Info(_ctx.ProcessName, $"connect from {ClientLog}");
        try
        {
            if (_ctx.Settings.WrapperMode)
            {
                if (_ctx.Tls is null)
                {
                    _ctx.Log.Warning(_ctx.ProcessName, "imapd_tls_wrappermode = yes but no imapd_tls_cert_file is set");
                    return;
                }
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
                handshake.CancelAfter(_ctx.Settings.LoginTimeout);
                await StartTlsAsync(handshake.Token);
            }

            _w.Untagged(ImapStatus.Ok, "Posthorn ready.", "CAPABILITY " + Capability());
            await FlushAsync();
            await CommandLoopAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or TLS failed; nothing to answer.
        }
        finally
        {
            CloseMailbox();
            _ctx.Log.Info(_ctx.ProcessName, $"disconnect from {ClientLog}" + (_user is null ? "" : $" user=<{_user}>") + $" commands={_commands}");
            await _pipe.CompleteAsync();
            if (!ReferenceEquals(_stream, _network))
                await _stream.DisposeAsync();
        }
    }

    private async Task CommandLoopAsync()
    {
        while (_state != ImapState.Logout)
        {
            var result = await ReadCommandAsync();
            if (result is not { } r)
                return;
            switch (r.Status)
            {
                case ImapReadStatus.NeedContinuation:
                    if (RefuseBeforeLiteral(_reader.PendingCommandText) is { } refusal)
                    {
                        _reader.Abandon();
                        _w.Tagged(refusal.Tag, refusal.Status, refusal.Text, refusal.Code);
                    }
                    else
                    {
                        _w.Raw(ImapCommandReader.ContinuationText).EndLine();
                    }
                    break;
                case ImapReadStatus.Bad:
                    _errors++;
                    _w.Tagged(r.Tag, ImapStatus.Bad, r.Reason ?? "Invalid command.");
                    break;
                case ImapReadStatus.TooBig:
                    _w.Tagged(r.Tag, ImapStatus.No, r.Reason ?? "Literal too big.", "TOOBIG");
                    break;
                case ImapReadStatus.Command:
                    _commands++;
                    await HandleAsync(r.Command!);
                    break;
            }
            if (_errors >= _ctx.Settings.HardErrorLimit)
            {
                _w.Untagged(ImapStatus.Bye, "Too many invalid IMAP commands.");
                _ctx.Log.Info(_ctx.ProcessName, $"too many errors after {_commands} commands from {ClientLog}");
                _state = ImapState.Logout;
            }
            await FlushAsync();
        }
    }

    private async Task HandleAsync(ImapCommandLine line)
    {
        var parsed = ImapCommandParser.Parse(line);
        if (parsed.Command is not { } command)
        {
            _errors++;
            var verb = line.Tokens.Count > 0 ? line.Tokens[0].Text.ToUpperInvariant() : "";
            _w.Tagged(parsed.Tag, ImapStatus.Bad, parsed.BadText(verb));
            return;
        }

        if (!ImapStateTable.IsAllowed(command, _state))
        {
            _errors++;
            _w.Tagged(command.Tag, ImapStatus.Bad, $"Error in IMAP command {command.Name}: Command not permitted in this state.");
            return;
        }

        try
        {
            await ExecuteAsync(command);
        }
        catch (MailboxNameException e)
        {
            _w.Tagged(command.Tag, ImapStatus.No, MailboxError(e.Message), "CANNOT");
        }
        catch (MailboxNotFoundException)
        {
            _w.Tagged(command.Tag, ImapStatus.No, "Mailbox doesn't exist.", "NONEXISTENT");
        }
        catch (MailboxLockException e)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"{Who}: {e.Message}");
            _w.Tagged(command.Tag, ImapStatus.No, "Mailbox is locked, try again later.", "INUSE");
        }
        catch (UnauthorizedAccessException e)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"{Who}: {e.Message}");
            _w.Tagged(command.Tag, ImapStatus.No, "Permission denied.", "NOPERM");
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            _ctx.Log.Warning(_ctx.ProcessName, $"{Who}: {command.Name}: {e.Message}");
            _w.Tagged(command.Tag, ImapStatus.No, "Internal error occurred. Refer to server log for more information.", "SERVERBUG");
        }
    }

    private static string MailboxError(string message) =>
        message.Length == 0 ? "Invalid mailbox name." : char.ToUpperInvariant(message[0]) + message[1..] + (message.EndsWith('.') ? "" : ".");

    private Task ExecuteAsync(ImapCommand command) => command switch
    {
        ImapSimpleCommand { Verb: "CAPABILITY" } c => Done(c, () => _w.UntaggedLine("CAPABILITY " + Capability()), "Pre-login capabilities listed, post-login capabilities have more."),
        ImapSimpleCommand { Verb: "NOOP" } c => Done(c, () => SyncSelected(true), "NOOP completed."),
        ImapSimpleCommand { Verb: "CHECK" } c => Done(c, () => SyncSelected(true), "Check completed."),
        ImapSimpleCommand { Verb: "LOGOUT" } c => Logout(c),
        ImapSimpleCommand { Verb: "STARTTLS" } c => StartTlsCommandAsync(c),
        ImapSimpleCommand { Verb: "NAMESPACE" } c => Done(c, () => ImapResponses.Namespace(_w, "", MailboxName.Separator), "Namespace completed."),
        ImapSimpleCommand { Verb: "IDLE" } c => IdleAsync(c),
        ImapSimpleCommand { Verb: "CLOSE" } c => Done(c, () => Close(expunge: true), "Close completed."),
        ImapSimpleCommand { Verb: "UNSELECT" } c => Done(c, () => Close(expunge: false), "Unselect completed."),
        ImapSimpleCommand { Verb: "EXPUNGE" } c => Done(c, () => Expunge(c, null), null),
        UidExpungeCommand c => Done(c, () => Expunge(c, c.Uids), null),
        LoginCommand c => LoginAsync(c),
        AuthenticateCommand c => AuthenticateAsync(c),
        SelectCommand c => Done(c, () => Select(c), null),
        MailboxCommand c => Done(c, () => MailboxOp(c), null),
        RenameCommand c => Done(c, () => Rename(c), null),
        ListCommand c => Done(c, () => List(c), null),
        StatusCommand c => Done(c, () => Status(c), null),
        AppendCommand c => Done(c, () => Append(c), null),
        SearchCommand c => Done(c, () => Search(c), null),
        FetchCommand c => FetchAsync(c),
        StoreCommand c => Done(c, () => Store(c), null),
        CopyCommand c => Done(c, () => Copy(c), null),
        EnableCommand c => Done(c, () => ImapResponses.Enabled(_w, []), "Enabled."),
        IdCommand c => Done(c, () => ImapResponses.Id(_w, [new("name", "Posthorn")]), "ID completed."),
        _ => Done(command, () => { }, null, "Unsupported command."),
    };

    /// <summary>Runs a synchronous command; it writes its own tagged reply when <paramref name="okText"/> is null.</summary>
    private Task Done(ImapCommand c, Action action, string? okText, string? badText = null)
    {
        if (badText is not null)
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, badText);
            return Task.CompletedTask;
        }
        action();
        if (okText is not null)
            _w.Tagged(c.Tag, ImapStatus.Ok, okText);
        return Task.CompletedTask;
    }

    private Task Logout(ImapCommand c)
    {
        _w.Untagged(ImapStatus.Bye, "Logging out");
        _w.Tagged(c.Tag, ImapStatus.Ok, "Logout completed.");
        _state = ImapState.Logout;
        return Task.CompletedTask;
    }

    private async Task StartTlsCommandAsync(ImapCommand c)
    {
        if (_ctx.Tls is null || _tlsActive)
        {
            _w.Tagged(c.Tag, ImapStatus.Bad, _tlsActive ? "TLS is already active." : "TLS support isn't enabled.");
            return;
        }
        _w.Tagged(c.Tag, ImapStatus.Ok, "Begin TLS negotiation now.");
        await FlushAsync();
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        handshake.CancelAfter(_ctx.Settings.LoginTimeout);
        await StartTlsAsync(handshake.Token);
    }

    /// <summary>Starts TLS, discarding any plaintext the client pipelined after STARTTLS (as Postfix's smtpd does).</summary>
    private async Task StartTlsAsync(CancellationToken cancel)
    {
        await _pipe.CompleteAsync();
        _stream = await _ctx.Tls!.AuthenticateAsync(_network, _ctx.Settings.LoginTimeout, cancel);
        _pipe = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _reader = new ImapCommandReader(_state == ImapState.NotAuthenticated ? PreLoginLimits : _ctx.Settings.Limits);
        _tlsActive = true;
    }

    private async Task FlushAsync()
    {
        if (_w.Written.Length == 0)
            return;
        await _stream.WriteAsync(_w.Written, CancellationToken.None);
        _w.Clear();
        await _stream.FlushAsync(CancellationToken.None);
    }

    public void Dispose() => CloseMailbox();

    private TimeSpan CurrentTimeout => _state == ImapState.NotAuthenticated ? _ctx.Settings.LoginTimeout : _ctx.Settings.Timeout;

    /// <summary>The next reader event, or null at end of input, autologout or shutdown (after writing BYE).</summary>
    private async Task<ImapReadResult?> ReadCommandAsync()
    {
        while (true)
        {
            var read = await ReadAsync();
            if (read is not { } rr)
                return null;
            var r = _reader.TryRead(rr.Buffer, out var consumed, out var examined);
            _pipe.AdvanceTo(consumed, examined);
            if (r.Status != ImapReadStatus.NeedMoreData)
                return r;
            if (rr.IsCompleted)
                return null;
        }
    }

    /// <summary>One plain line (AUTHENTICATE responses, IDLE's DONE), or null at end of input or timeout.</summary>
    private async Task<(string Line, bool TooLong)?> ReadLineAsync()
    {
        while (true)
        {
            var read = await ReadAsync();
            if (read is not { } rr)
                return null;
            var got = _reader.TryReadLine(rr.Buffer, out var line, out var tooLong, out var consumed, out var examined);
            _pipe.AdvanceTo(consumed, examined);
            if (got)
                return (line ?? "", tooLong);
            if (rr.IsCompleted)
                return null;
        }
    }

    private async Task<ReadResult?> ReadAsync()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        cts.CancelAfter(CurrentTimeout);
        try
        {
            return await _pipe.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _w.Untagged(ImapStatus.Bye, _stopping.IsCancellationRequested ? "Server shutting down." : "Disconnected for inactivity.");
            await FlushAsync();
            _ctx.Log.Info(_ctx.ProcessName, $"{(_stopping.IsCancellationRequested ? "shutdown" : "timeout")} after {_commands} commands from {ClientLog}");
            return null;
        }
    }
}
