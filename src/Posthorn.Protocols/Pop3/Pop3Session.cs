using System.Globalization;
using Posthorn.Protocols.Sasl;

namespace Posthorn.Protocols.Pop3;

/// <summary>
/// The POP3 session state machine (RFC 1939, RFC 2449 CAPA and response codes, RFC 5034 AUTH,
/// RFC 2595 STLS): AUTHORIZATION, then TRANSACTION once a login opened the maildrop, then UPDATE
/// on QUIT. It is pure: the server feeds it lines and writes the replies it returns (with
/// <see cref="Pop3ReplyWriter"/>); credentials and the maildrop sit behind <see cref="IPop3Backend"/>.
/// Reply texts are Dovecot's, so clients and administrators see what they know.
/// </summary>
public sealed class Pop3Session
{
    private readonly IPop3Backend _backend;
    private Pop3SessionOptions _options;
    private readonly HashSet<int> _deleted = [];
    private readonly HashSet<int> _retrieved = [];
    private IPop3Maildrop? _maildrop;
    private string? _user;
    private SaslExchange? _sasl;
    private int _badCommands;

    /// <summary>Creates a session for one connection.</summary>
    public Pop3Session(IPop3Backend backend, Pop3SessionOptions options)
    {
        _backend = backend;
        _options = options;
    }

    /// <summary>The current RFC 1939 state.</summary>
    public Pop3State State { get; private set; } = Pop3State.Authorization;

    /// <summary>The logged-in user, once in the transaction state.</summary>
    public string? UserName { get; private set; }

    /// <summary>True while an AUTH exchange waits for the client's next response line.</summary>
    public bool InSaslExchange => _sasl is not null;

    /// <summary>The greeting sent when the connection opens.</summary>
    public Pop3Reply Greeting() =>
        Pop3Reply.Ok(_options.ApopTimestamp is null ? _options.Banner : _options.Banner + " " + _options.ApopTimestamp);

    /// <summary>Call after the TLS handshake that followed STLS succeeded.</summary>
    public void TlsStarted() => _options = _options with { TlsActive = true, StlsAvailable = false };

    /// <summary>The reply for a line that exceeded the line length limit.</summary>
    public Pop3Reply LineTooLong()
    {
        _sasl = null;
        return CountBad(Pop3Reply.Err("Line too long."));
    }

    /// <summary>Handles one line (without its line ending).</summary>
    public async ValueTask<Pop3Reply> HandleLineAsync(byte[] line, CancellationToken cancellationToken = default)
    {
        if (_sasl is not null)
        {
            return await SaslResponseAsync(line, cancellationToken);
        }

        var command = Pop3Command.Parse(line);
        return State switch
        {
            Pop3State.Authorization => await AuthorizationAsync(command, cancellationToken),
            Pop3State.Transaction => await TransactionAsync(command, cancellationToken),
            _ => Pop3Reply.Err("Session is closed.") with { Action = Pop3ReplyAction.Close },
        };
    }

    private bool PlaintextAllowed => _options.TlsActive || _options.AllowPlaintextWithoutTls;

    private async ValueTask<Pop3Reply> AuthorizationAsync(Pop3Command command, CancellationToken ct)
    {
        switch (command.Verb)
        {
            case Pop3Verb.Capa:
                return Capabilities();
            case Pop3Verb.Noop:
                return Pop3Reply.Ok();
            case Pop3Verb.Quit:
                State = Pop3State.Closed;
                return Pop3Reply.Ok("Logging out.") with { Action = Pop3ReplyAction.Close };
            case Pop3Verb.Stls:
                if (_options.TlsActive)
                {
                    return CountBad(Pop3Reply.Err("TLS is already active."));
                }

                if (!_options.StlsAvailable)
                {
                    return CountBad(Pop3Reply.Err("TLS support isn't enabled."));
                }

                return Pop3Reply.Ok("Begin TLS negotiation now.") with { Action = Pop3ReplyAction.StartTls };
            case Pop3Verb.User:
                if (!PlaintextAllowed)
                {
                    return CountBad(PlaintextDisallowed());
                }

                if (command.Argument.Length == 0)
                {
                    return CountBad(Pop3Reply.Err("No username given."));
                }

                _user = command.Argument;
                return Pop3Reply.Ok();
            case Pop3Verb.Pass:
                if (!PlaintextAllowed)
                {
                    return CountBad(PlaintextDisallowed());
                }

                if (_user is null)
                {
                    return CountBad(Pop3Reply.Err("No username given."));
                }

                var user = _user;
                _user = null;
                return Login(await _backend.LoginAsync("", user, command.Argument, ct));
            case Pop3Verb.Apop:
                if (_options.ApopTimestamp is null || command.Arguments.Count != 2)
                {
                    return CountBad(_options.ApopTimestamp is null ? Pop3Reply.Err("APOP is not enabled.") : Pop3Reply.Err("Invalid parameters."));
                }

                return Login(await _backend.LoginApopAsync(command.Arguments[0], _options.ApopTimestamp, command.Arguments[1], ct));
            case Pop3Verb.Auth:
                return await AuthAsync(command, ct);
            default:
                return CountBad(Pop3Reply.Err(command.Verb == Pop3Verb.Unknown ? "Unknown command." : "Unknown command: " + command.Keyword));
        }
    }

    private static Pop3Reply PlaintextDisallowed() =>
        Pop3Reply.Err("Plaintext authentication disallowed on non-secure (SSL/TLS) connections.", Pop3ResponseCode.Auth);

    private Pop3Reply Capabilities()
    {
        var lines = new List<string> { "CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING" };
        if (State == Pop3State.Authorization)
        {
            if (_options.StlsAvailable && !_options.TlsActive)
            {
                lines.Add("STLS");
            }

            if (PlaintextAllowed)
            {
                lines.Add("USER");
            }

            var mechanisms = OfferedMechanisms();
            if (mechanisms.Count > 0)
            {
                lines.Add("SASL " + string.Join(' ', mechanisms));
            }
        }

        return Pop3Reply.OkLines(null, lines);
    }

    private List<string> OfferedMechanisms() =>
        _options.SaslMechanisms.Where(m => PlaintextAllowed || SaslMechanism.Create(m, _options.ScramLookup) is { IsPlaintext: false }).ToList();

    private async ValueTask<Pop3Reply> AuthAsync(Pop3Command command, CancellationToken ct)
    {
        var offered = OfferedMechanisms();
        if (command.Arguments.Count == 0)
        {
            return Pop3Reply.OkLines(null, offered);
        }

        if (command.Arguments.Count > 2)
        {
            return CountBad(Pop3Reply.Err("Invalid parameters."));
        }

        var (exchange, first) = SaslExchange.Start(command.Arguments[0], command.Arguments.Count == 2 ? command.Arguments[1] : null, offered, _options.ScramLookup);
        _sasl = exchange;
        return await SaslStepAsync(first, initial: true, ct);
    }

    private ValueTask<Pop3Reply> SaslResponseAsync(byte[] line, CancellationToken ct) =>
        SaslStepAsync(_sasl!.Next(System.Text.Encoding.ASCII.GetString(line)), initial: false, ct);

    private async ValueTask<Pop3Reply> SaslStepAsync(SaslExchangeResult step, bool initial, CancellationToken ct)
    {
        var exchange = _sasl!;
        if (step.Status != SaslExchangeStatus.Continue)
        {
            _sasl = null;
        }

        switch (step.Status)
        {
            case SaslExchangeStatus.Continue:
                return new Pop3Reply("+ " + step.Challenge);
            case SaslExchangeStatus.VerifyPassword:
                var c = step.Credentials!;
                return Login(await _backend.LoginAsync(c.AuthorizationId, c.AuthenticationId, c.Password, ct));
            case SaslExchangeStatus.Authenticated:
                return Login(await _backend.OpenAuthenticatedAsync(exchange.AuthorizationId, exchange.AuthenticationId!, ct));
            case SaslExchangeStatus.UnsupportedMechanism:
                return CountBad(Pop3Reply.Err("Unsupported authentication mechanism."));
            case SaslExchangeStatus.Cancelled:
                return CountBad(Pop3Reply.Err("Authentication aborted by client."));
            case SaslExchangeStatus.InvalidBase64:
                return CountBad(Pop3Reply.Err(initial ? "Invalid base64 data in initial response" : "Invalid base64 data in continued response"));
            default:
                if (_options.SaslFailureDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.SaslFailureDelay, ct);
                }

                return Login(new Pop3LoginResult(Pop3LoginStatus.Failed));
        }
    }

    private Pop3Reply Login(Pop3LoginResult result)
    {
        switch (result.Status)
        {
            case Pop3LoginStatus.Ok when result.Maildrop is not null:
                _maildrop = result.Maildrop;
                UserName = result.UserName;
                State = Pop3State.Transaction;
                return Pop3Reply.Ok("Logged in.");
            case Pop3LoginStatus.InUse:
                return Pop3Reply.Err("Mailbox is locked by another POP3 session.", Pop3ResponseCode.InUse);
            case Pop3LoginStatus.TemporaryFailure:
                return Pop3Reply.Err("Temporary authentication failure.", Pop3ResponseCode.SysTemp);
            default:
                return CountBad(Pop3Reply.Err("Authentication failed.", Pop3ResponseCode.Auth));
        }
    }

    private Pop3Reply CountBad(Pop3Reply reply)
    {
        if (++_badCommands >= _options.MaxBadCommands)
        {
            State = Pop3State.Closed;
            return reply with { Action = Pop3ReplyAction.Close };
        }

        return reply;
    }

    private ValueTask<Pop3Reply> TransactionAsync(Pop3Command command, CancellationToken ct) =>
        Pop3Transaction.HandleAsync(this, command, ct);

    // State the transaction handlers need; kept here so that the state machine owns it.
    internal IPop3Maildrop Maildrop => _maildrop!;

    internal HashSet<int> Deleted => _deleted;

    internal HashSet<int> Retrieved => _retrieved;

    internal Pop3Reply Bad(Pop3Reply reply) => CountBad(reply);

    internal Pop3Reply Capa() => Capabilities();

    internal async ValueTask<Pop3Reply> QuitAsync(CancellationToken ct)
    {
        State = Pop3State.Update;
        var ok = await _maildrop!.CommitAsync(_deleted.ToArray(), _retrieved.ToArray(), ct);
        await _maildrop.DisposeAsync();
        State = Pop3State.Closed;
        if (!ok)
        {
            return Pop3Reply.Err("Storage error during logout.", Pop3ResponseCode.SysTemp) with { Action = Pop3ReplyAction.Close };
        }

        return Pop3Reply.Ok(_deleted.Count == 0 ? "Logging out." : "Logging out, messages deleted.") with { Action = Pop3ReplyAction.Close };
    }

    /// <summary>Ends the session without QUIT (connection lost): releases the maildrop, deletes nothing (RFC 1939 section 6).</summary>
    public async ValueTask AbortAsync()
    {
        if (_maildrop is not null)
        {
            await _maildrop.DisposeAsync();
            _maildrop = null;
        }

        State = Pop3State.Closed;
    }

    internal static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
