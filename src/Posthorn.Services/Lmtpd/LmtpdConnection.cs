using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Addressing;
using Posthorn.Core.Logging;
using Posthorn.Core.Maps;
using Posthorn.Core.Users;
using Posthorn.Protocols.Smtp;
using Posthorn.Services.MailStore;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// One LMTP session (RFC 2033): LHLO, MAIL FROM, RCPT TO checked against the user database,
/// DATA answered with one reply per accepted recipient after the final dot, RSET, NOOP, QUIT.
/// Uses the SMTP layer's line reader, command parser (LMTP mode) and DATA reader. Replies are
/// Postfix's for protocol errors and Dovecot's LMTP texts for recipients; the connect and
/// disconnect log lines are Postfix's (<c>disconnect from ... lhlo=1 mail=1 rcpt=1/2 data=1 quit=1 commands=5</c>).
/// </summary>
internal sealed class LmtpdConnection : IDisposable
{
    private static readonly SmtpReply NeedLhlo = new(503, "5.5.1", "Error: send LHLO first");
    private static readonly SmtpReply NestedMail = new(503, "5.5.1", "Error: nested MAIL command");
    private static readonly SmtpReply NeedMail = new(503, "5.5.1", "Error: need MAIL command");
    private static readonly SmtpReply NeedRcpt = new(503, "5.5.1", "Error: need RCPT command");
    private static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Error: too many recipients");
    private static readonly SmtpReply Timeout = new(421, "4.4.2", "Error: timeout exceeded");

    private readonly Socket _socket;
    private readonly LmtpdSettings _settings;
    private readonly MailLog _log;
    private readonly string _process;
    private readonly Stream _stream;
    private readonly string _client;
    private readonly Dictionary<string, (int Ok, int All)> _counts = [];
    private string? _sender;
    private readonly List<(string Address, UserEntry User)> _recipients = [];
    private bool _lhlo;
    private int _sessions;

    public LmtpdConnection(Socket socket, LmtpdSettings settings, MailLog log, string process)
    {
        _socket = socket;
        _settings = settings;
        _log = log;
        _process = process;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _client = socket.RemoteEndPoint is IPEndPoint ip ? $"unknown[{(ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address)}]" : "local";
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        _log.Info(_process, $"connect from {_client}");
        var input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            await ServeAsync(input, stopping);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            await input.CompleteAsync();
            await _stream.DisposeAsync();
        }
        LogDisconnect();
    }

    private async Task ServeAsync(PipeReader input, CancellationToken stopping)
    {
        await WriteAsync(new SmtpReply(220, null, _settings.Banner));
        var lines = new SmtpLineReader(_settings.LineLengthLimit);
        var parser = new SmtpCommandParser(lmtp: true, requireValidUtf8: false, myHostname: _settings.MyHostname);
        while (true)
        {
            SmtpParseResult parsed;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_settings.Timeout);
                try
                {
                    parsed = await ReadCommandAsync(input, lines, parser, timeout.Token) ?? default;
                }
                catch (OperationCanceledException)
                {
                    await WriteAsync(stopping.IsCancellationRequested ? new SmtpReply(421, "4.3.2", _settings.MyHostname + " Service shutting down, closing transmission channel") : Timeout);
                    return;
                }
            }
            if (parsed.Command is null && parsed.Error is null)
                return; // connection closed
            if (parsed.Error is { } error)
            {
                Count("unknown", false);
                await WriteAsync(error);
                continue;
            }
            var command = parsed.Command!;
            switch (command.Verb)
            {
                case SmtpVerb.Lhlo:
                    Reset();
                    _lhlo = true;
                    Count("lhlo", true);
                    await WriteAsync(new SmtpReply(250, null, [_settings.MyHostname, "PIPELINING", SizeKeyword(), "ENHANCEDSTATUSCODES", "8BITMIME"]));
                    break;
                case SmtpVerb.Mail:
                    await WriteAsync(Count("mail", Mail(command)));
                    break;
                case SmtpVerb.Rcpt:
                    await WriteAsync(Count("rcpt", Rcpt(command)));
                    break;
                case SmtpVerb.Data:
                    if (await DataAsync(input, stopping) is false)
                        return;
                    break;
                case SmtpVerb.Rset:
                    Reset();
                    await WriteAsync(Count("rset", new SmtpReply(250, "2.0.0", "Ok")));
                    break;
                case SmtpVerb.Noop:
                    await WriteAsync(Count("noop", new SmtpReply(250, "2.0.0", "Ok")));
                    break;
                case SmtpVerb.Quit:
                    Count("quit", true);
                    await WriteAsync(new SmtpReply(221, "2.0.0", "Bye"));
                    return;
                default:
                    Count("unknown", false);
                    await WriteAsync(SmtpReplies.CommandNotImplemented);
                    break;
            }
        }
    }

    private string SizeKeyword() =>
        _settings.MessageSizeLimit > 0 ? "SIZE " + _settings.MessageSizeLimit.ToString(CultureInfo.InvariantCulture) : "SIZE";

    private SmtpReply Mail(SmtpCommand command)
    {
        if (!_lhlo)
            return NeedLhlo;
        if (_sender is not null)
            return NestedMail;
        var address = MailAddress.ParsePath(command.Path ?? "", MailAddressRole.Sender, out var error);
        if (address is null)
            return ParseReply(error!);
        if (command.Mail?.Size is long size && _settings.MessageSizeLimit > 0 && size > _settings.MessageSizeLimit)
            return SmtpReplies.MessageSizeExceedsLimit;
        _sender = address.Address;
        return new SmtpReply(250, "2.1.0", "Ok");
    }

    private SmtpReply Rcpt(SmtpCommand command)
    {
        if (_sender is null)
            return NeedMail;
        var address = MailAddress.ParsePath(command.Path ?? "", MailAddressRole.Recipient, out var error);
        if (address is null)
            return ParseReply(error!);
        if (_recipients.Count >= _settings.RecipientLimit)
            return TooManyRecipients;
        var user = LmtpRecipients.Find(_settings, address.Address);
        if (user is null)
            return new SmtpReply(550, "5.1.1", $"<{address.Address}> User doesn't exist: {address.Address}");
        if (MailboxProblem(user) is { } problem)
        {
            // As Dovecot's lmtp answers a userdb/mail location failure at RCPT: the client keeps the mail queued.
            _log.Warning(_process, $"<{address.Address}>: {problem}");
            return new SmtpReply(451, "4.3.0", $"<{address.Address}> Temporary internal error");
        }
        _recipients.Add((address.Address, user));
        return new SmtpReply(250, "2.1.5", "Ok");
    }

    /// <summary>Why the user's mailbox cannot be located (a name that would leave the store, a failed map lookup), or null.</summary>
    private string? MailboxProblem(UserEntry user)
    {
        try
        {
            new UserMailboxLocator(_settings.Config).Locate(user);
            return null;
        }
        catch (MailboxNameException e)
        {
            return e.Message;
        }
        catch (TableLookupException e)
        {
            return "virtual_mailbox_maps lookup failed: " + e.Message;
        }
    }

    /// <summary>DATA: reads the content, then answers once per accepted recipient. False when the connection ended.</summary>
    private async Task<bool> DataAsync(PipeReader input, CancellationToken stopping)
    {
        if (_sender is null)
        {
            await WriteAsync(Count("data", NeedMail));
            return true;
        }
        if (_recipients.Count == 0)
        {
            await WriteAsync(Count("data", NeedRcpt));
            return true;
        }
        await _stream.WriteAsync(SmtpReplies.StartMailInput.ToArray(), CancellationToken.None);
        await _stream.FlushAsync(CancellationToken.None);
        var reader = new SmtpDataReader(_settings.MessageSizeLimit);
        var sink = new LfContentSink(_settings.MessageSizeLimit);
        while (true)
        {
            ReadResult result;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_settings.Timeout);
                try
                {
                    result = await input.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    await WriteAsync(Timeout);
                    return false;
                }
            }
            var status = reader.Read(result.Buffer, sink, out var consumed);
            input.AdvanceTo(consumed, status == DataReadStatus.Done ? consumed : result.Buffer.End);
            if (status == DataReadStatus.Done)
                break;
            if (result.IsCompleted)
                return false; // lost connection in DATA: nothing delivered
        }
        sink.Complete();
        Count("data", !reader.TooBig);
        var sessionId = "L" + Environment.TickCount64.ToString("X", CultureInfo.InvariantCulture) + (++_sessions).ToString(CultureInfo.InvariantCulture);
        foreach (var (address, user) in _recipients)
        {
            var reply = reader.TooBig
                ? new SmtpReply(552, "5.3.4", $"<{address}> Message size exceeds fixed limit")
                : await Task.Run(() => LmtpDelivery.Deliver(_settings, user, _sender, address, sink.Buffer, sink.Length, sessionId), CancellationToken.None);
            var what = reply.IsPositive ? "saved mail to INBOX" : "delivery failed: " + string.Join(' ', reply.Lines);
            _log.Info(_process, $"{sessionId}: from=<{_sender}>, to=<{address}>, user=<{user.User}>, size={sink.Length.ToString(CultureInfo.InvariantCulture)}: {what}");
            await WriteAsync(reply);
        }
        Reset();
        return true;
    }

    private static SmtpReply ParseReply(string text)
    {
        // "501 5.1.7 Bad sender address syntax"
        var parts = text.Split(' ', 3);
        return new SmtpReply(int.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2]);
    }

    private void Reset()
    {
        _sender = null;
        _recipients.Clear();
    }

    private SmtpReply Count(string name, SmtpReply reply)
    {
        Count(name, reply.IsPositive);
        return reply;
    }

    private void Count(string name, bool ok)
    {
        var (o, a) = _counts.GetValueOrDefault(name);
        _counts[name] = (o + (ok ? 1 : 0), a + 1);
    }

    private void LogDisconnect()
    {
        var parts = new List<string>();
        int total = 0, totalOk = 0;
        foreach (var name in (string[])["lhlo", "mail", "rcpt", "data", "rset", "noop", "quit", "unknown"])
        {
            if (_counts.TryGetValue(name, out var c))
            {
                parts.Add(c.Ok == c.All ? $"{name}={c.All}" : $"{name}={c.Ok}/{c.All}");
                total += c.All;
                totalOk += c.Ok;
            }
        }
        parts.Add(totalOk == total ? $"commands={total}" : $"commands={totalOk}/{total}");
        _log.Info(_process, $"disconnect from {_client} {string.Join(' ', parts)}");
    }

    private static async Task<SmtpParseResult?> ReadCommandAsync(PipeReader input, SmtpLineReader lines, SmtpCommandParser parser, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken);
            if (lines.TryReadLine(result.Buffer, out var line, out var consumed, out var examined))
            {
                var parsed = parser.Parse(line);
                input.AdvanceTo(consumed, examined);
                return parsed;
            }
            input.AdvanceTo(consumed, examined);
            if (result.IsCompleted)
                return null;
        }
    }

    private async Task WriteAsync(SmtpReply reply)
    {
        await _stream.WriteAsync(reply.ToBytes(), CancellationToken.None);
        await _stream.FlushAsync(CancellationToken.None);
    }

    public void Dispose() => _stream.Dispose();
}
