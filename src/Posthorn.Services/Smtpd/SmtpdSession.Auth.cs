using System.Buffers;
using System.Text;
using Posthorn.Protocols.Sasl;
using Posthorn.Protocols.Smtp;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// SMTP AUTH (RFC 4954) as Postfix's smtpd_sasl_proto.c answers it, with the mechanisms of
/// Protocols/Sasl (PLAIN, LOGIN, SCRAM-SHA-256 as posthorn_smtpd_sasl_mechanisms lists them) checked against posthorn_user_database: smtpd_sasl_auth_enable,
/// smtpd_tls_auth_only, "334 " challenges, "235 2.7.0 Authentication successful",
/// "535 5.7.8 Error: authentication failed: ...", "503 5.5.1 Error: already authenticated",
/// "*" → "501 5.7.0 Authentication aborted". A failure counts as an error, so past
/// smtpd_soft_error_limit each further reply waits smtpd_error_sleep_time.
/// </summary>
public sealed partial class SmtpdSession
{
    /// <summary>The mechanisms this connection offers now (empty: AUTH is not offered).</summary>
    private IReadOnlyList<string> AuthMechanisms => Security.Mechanisms(_tls is not null);

    private async ValueTask<bool> AuthAsync(SmtpCommand cmd, CancellationToken ct)
    {
        if (_s.HeloRequired && _check.HeloName is null)
        {
            await ReplyAsync(SmtpSequence.SendHeloFirst).ConfigureAwait(false);
            return false;
        }
        var offered = AuthMechanisms;
        if (!Security.SaslEnabled)
        {
            await ReplyAsync("503 5.5.1 Error: authentication not enabled").ConfigureAwait(false);
            return false;
        }
        if (_sequence.InTransaction)
        {
            await ReplyAsync(SmtpSequence.TransactionInProgress).ConfigureAwait(false);
            return false;
        }
        if (Security.AuthOnly && _tls is null)
        {
            // RFC 4954 section 4, as Postfix answers with smtpd_tls_auth_only.
            await ReplyAsync("504 5.5.4 Encryption required for requested authentication mechanism").ConfigureAwait(false);
            return false;
        }
        if (_check.SaslUsername is not null)
        {
            await ReplyAsync(SmtpSequence.AlreadyAuthenticated).ConfigureAwait(false);
            return false;
        }
        var words = cmd.Argument.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2)
        {
            await ReplyAsync("501 5.5.4 Syntax: AUTH mechanism").ConfigureAwait(false);
            return false;
        }
        var mechanism = words[0].ToUpperInvariant();
        var (exchange, result) = SaslExchange.Start(mechanism, words.Length > 1 ? words[1] : null, offered, Security.ScramLookup);
        while (result.Status == SaslExchangeStatus.Continue)
        {
            await ReplyAsync("334 " + result.Challenge).ConfigureAwait(false);
            var line = await ReadAuthLineAsync(ct).ConfigureAwait(false);
            if (line is null)
            {
                _hangup = true;
                _reason = "lost connection";
                return false;
            }
            result = exchange.Next(line);
        }
        switch (result.Status)
        {
            case SaslExchangeStatus.Cancelled:
                _server.Log.Warning(Process, $"{_check.NameAddress}: SASL {mechanism} authentication aborted");
                await ReplyAsync("501 5.7.0 Authentication aborted").ConfigureAwait(false);
                return false;
            case SaslExchangeStatus.InvalidBase64:
                await ReplyAsync("501 5.5.2 Cannot decode response").ConfigureAwait(false);
                return false;
            case SaslExchangeStatus.UnsupportedMechanism:
                await ReplyAsync($"535 5.7.8 Error: authentication failed: Invalid authentication mechanism: '{words[0]}'").ConfigureAwait(false);
                return false;
            case SaslExchangeStatus.VerifyPassword when Verify(result.Credentials!):
            case SaslExchangeStatus.Authenticated when AuthorizedAsItself(exchange):
                _check.SaslMethod = mechanism;
                _check.SaslUsername = result.Credentials?.AuthenticationId ?? exchange.AuthenticationId!;
                _sequence.OnAuthenticated();
                await ReplyAsync("235 2.7.0 Authentication successful").ConfigureAwait(false);
                return true;
            default:
                _server.Log.Warning(Process, $"{_check.NameAddress}: SASL {mechanism} authentication failed: authentication failure");
                await ReplyAsync("535 5.7.8 Error: authentication failed: authentication failure").ConfigureAwait(false);
                return false;
        }
    }

    private bool Verify(SaslCredentials credentials)
    {
        var users = Security.UsersFile?.Current;
        var entry = users?.Find(credentials.AuthenticationId);
        if (entry is null)
            return false;
        if (credentials.AuthorizationId.Length > 0 && !string.Equals(credentials.AuthorizationId, credentials.AuthenticationId, StringComparison.OrdinalIgnoreCase))
            return false;
        return entry.VerifyPassword(credentials.Password);
    }

    /// <summary>After SCRAM proved the authentication id: no other authorization id may be asked for.</summary>
    private static bool AuthorizedAsItself(SaslExchange exchange) =>
        exchange.AuthorizationId.Length == 0 || string.Equals(exchange.AuthorizationId, exchange.AuthenticationId, StringComparison.OrdinalIgnoreCase);

    /// <summary>One client response line of the exchange (smtpd_sasl_response_limit bounds it through line_length_limit).</summary>
    private async ValueTask<string?> ReadAuthLineAsync(CancellationToken ct)
    {
        var next = await ReadCommandAsync(ct).ConfigureAwait(false);
        if (next is null)
            return null;
        var (_, line) = next.Value;
        return Encoding.Latin1.GetString(line.Text.ToArray()).Trim();
    }
}
