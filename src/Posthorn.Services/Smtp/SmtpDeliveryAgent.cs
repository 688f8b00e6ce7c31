using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.Delivery;
using Posthorn.Services.DnsLookup;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// The smtp(8) and lmtp(8) delivery agent (smtp_connect.c): for one request, the nexthop and
/// then each smtp_fallback_relay in turn is resolved to servers (<see cref="SmtpAddressList"/>);
/// each server is connected to in order until every recipient has a final answer. A connection
/// failure moves on to the next server ("connect to host[addr]:25: Connection refused"), as does
/// a soft failure of the session or a recipient; at most smtp_mx_session_limit sessions are
/// attempted per request. Recipients still without a final answer at the end are deferred with
/// the last reason (bounced when it was permanent). SiteFailed is set when no server could be
/// reached at all. The same code in LMTP mode reads lmtp_* parameters and speaks LHLO.
/// </summary>
public sealed class SmtpDeliveryAgent : IDeliveryAgent, IAsyncDisposable
{
    private readonly SmtpClientSettings _settings;
    private readonly SmtpAddressList _addresses;
    private readonly SmtpConnectionCache _cache;
    private readonly MailLog _log;
    private readonly string _service;

    /// <param name="config">main.cf with the master.cf entry's -o overrides.</param>
    /// <param name="lmtp">LMTP mode (master.cf command "lmtp").</param>
    /// <param name="log">the mail log.</param>
    /// <param name="processName">"smtp" or "lmtp", the name log lines carry.</param>
    /// <param name="ownAddresses">our own addresses for the backup MX rule; null to read inet_interfaces.</param>
    public SmtpDeliveryAgent(MainConfig config, bool lmtp, MailLog log, string processName, IReadOnlySet<IPAddress>? ownAddresses = null)
    {
        _log = log;
        _service = processName;
        _settings = new SmtpClientSettings(config, lmtp, m => log.Warning(processName, m));
        _addresses = new SmtpAddressList(_settings, _settings.UseDns ? new MailDns(config) : null, ownAddresses);
        _cache = new SmtpConnectionCache(_settings);
    }

    public async ValueTask<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var pending = request.Recipients.ToList();
        var final = new Dictionary<DeliveryRecipient, RecipientResult>();
        var soft = new Dictionary<DeliveryRecipient, RecipientResult>();
        SmtpFailure? lastFailure = null;
        string lastRelay = "none";
        int sessions = 0;
        bool reached = false;
        var nexthops = new List<string> { request.Nexthop };
        nexthops.AddRange(_settings.FallbackRelay);

        for (int h = 0; h < nexthops.Count && pending.Count > 0; h++)
        {
            var nexthop = SmtpNexthop.Parse(nexthops[h], _settings.DefaultPort, _settings.Lmtp);
            if (nexthop is null)
            {
                _log.Warning(_service, $"{request.QueueId}: malformed destination: \"{nexthops[h]}\"");
                lastFailure = new SmtpFailure("4.3.5", $"malformed destination: {nexthops[h]}");
                continue;
            }
            var policy = TlsPolicy.For(_settings, nexthops[h], m => _log.Warning(_service, m));
            var cacheKey = nexthop.Text + "|" + policy.Level;

            var cached = _cache.Enabled(nexthop.Text) ? await TakeCachedAsync(cacheKey, cancellationToken) : null;
            if (cached is not null)
            {
                sessions++;
                reached = true;
                await RunTransactionAsync(cached, request, pending, final, soft, cacheKey, cancellationToken);
                if (pending.Count == 0)
                    break;
            }

            var (targets, failure, foundSelf) = await _addresses.ResolveAsync(nexthop, cancellationToken);
            if (failure is not null)
            {
                lastFailure = failure;
                if (foundSelf || failure.Status == "5.1.0")
                    break; // loops to myself, or null MX: no fallback relays
                continue;
            }
            for (int i = 0; i < targets.Count && pending.Count > 0; i++)
            {
                if (_settings.MxSessionLimit > 0 && sessions >= _settings.MxSessionLimit)
                    break;
                var target = targets[i];
                bool plaintextOnly = false;
                for (int attempt = 0; attempt < 2; attempt++)
                {
                    SmtpConnection conn;
                    try
                    {
                        conn = await SmtpConnection.ConnectAsync(target, _settings, cancellationToken);
                    }
                    catch (Exception e) when (e is SocketException or TimeoutException)
                    {
                        var where = target.UnixPath is not null ? target.NameAddr : target.NameAddrPort;
                        lastFailure = new SmtpFailure("4.4.1", $"connect to {where}: {(e is TimeoutException ? "Connection timed out" : e.Message)}");
                        _log.Info(_service, lastFailure.Reason);
                        break;
                    }
                    reached = true;
                    lastRelay = target.NameAddrPort; // "relay=none" until a connection stands, as Postfix
                    if (attempt == 0)
                        sessions++;
                    try
                    {
                        var refusal = await SmtpHandshake.RunAsync(conn, _settings, policy, nexthop.Host, plaintextOnly, _log, _service, cancellationToken, nexthop.Text);
                        if (refusal is not null)
                        {
                            lastFailure = refusal;
                            bool permanent = refusal.IsPermanent && !refusal.NonFinal;
                            foreach (var r in pending)
                                soft[r] = Result(r, refusal, target, permanent);
                            if (permanent)
                                MoveAll(pending, final, soft);
                            else
                                _log.Info(_service, $"{request.QueueId}: {lastFailure.Reason}");
                            await QuitAsync(conn, _settings, cancellationToken);
                            break;
                        }
                        await RunTransactionAsync(conn, request, pending, final, soft, cacheKey, cancellationToken);
                    }
                    catch (TlsFallbackException)
                    {
                        await conn.DisposeAsync();
                        plaintextOnly = true;
                        continue;
                    }
                    catch (SmtpSessionException e)
                    {
                        await conn.DisposeAsync();
                        var (status, reason) = SmtpTransaction.Broken(target, e, SmtpStage.ByWhile(e.Where));
                        lastFailure = new SmtpFailure(status, reason);
                        foreach (var r in pending)
                            soft[r] = Result(r, lastFailure, target, permanent: false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException
                        or System.Security.Authentication.AuthenticationException or System.Security.Cryptography.CryptographicException)
                    {
                        await conn.DisposeAsync();
                        _log.Warning(_service, $"{request.QueueId}: {target.NameAddrPort}: {e.Message}");
                        lastFailure = new SmtpFailure("4.4.2", $"lost connection with {target.NameAddr} while performing the TLS handshake");
                        foreach (var r in pending)
                            soft[r] = Result(r, lastFailure, target, permanent: false);
                    }
                    break;
                }
            }
        }

        var results = new List<RecipientResult>();
        foreach (var r in request.Recipients)
        {
            if (final.TryGetValue(r, out var done))
                results.Add(done);
            else if (soft.TryGetValue(r, out var s))
                results.Add(s.DsnStatus.StartsWith('5') ? s with { Outcome = DeliveryOutcome.Bounced, DsnAction = "failed" } : s);
            else
            {
                var f = lastFailure ?? new SmtpFailure("4.4.1", "no servers available");
                results.Add(new RecipientResult(r, f.IsPermanent ? DeliveryOutcome.Bounced : DeliveryOutcome.Deferred, f.Status, f.Reason,
                    lastRelay, DsnAction: f.IsPermanent ? "failed" : "delayed"));
            }
        }
        bool siteFailed = !reached && results.Any(r => r.Outcome == DeliveryOutcome.Deferred);
        return new DeliveryResult(results, siteFailed, siteFailed ? lastFailure?.Reason : null);
    }

    private async Task RunTransactionAsync(SmtpConnection conn, DeliveryRequest request, List<DeliveryRecipient> pending,
        Dictionary<DeliveryRecipient, RecipientResult> final, Dictionary<DeliveryRecipient, RecipientResult> soft, string cacheKey, CancellationToken ct)
    {
        var tx = new SmtpTransaction(conn, _settings, request);
        var results = await tx.RunAsync(pending.ToList(), ct);
        conn.Uses++;
        foreach (var (r, result) in results)
        {
            if (result.Outcome == DeliveryOutcome.Deferred)
            {
                soft[r] = result;
                continue;
            }
            final[r] = result;
            soft.Remove(r);
            pending.Remove(r);
        }
        if (tx.Reusable && _cache.Enabled(cacheKey.Split('|')[0]) && _cache.MayKeep(conn))
            _cache.Put(cacheKey, conn);
        else if (tx.Reusable)
            await QuitAsync(conn, _settings, ct);
        else
            await conn.DisposeAsync();
    }

    private async Task<SmtpConnection?> TakeCachedAsync(string key, CancellationToken ct)
    {
        while (_cache.TryTake(key) is { } conn)
        {
            try
            {
                conn.Queue("RSET\r\n");
                await conn.FlushAsync(_settings.RsetTimeout, SmtpStage.Rset.While, ct);
                var reply = await conn.ReadReplyAsync(_settings.RsetTimeout, SmtpStage.Rset.While, ct);
                if (reply.Code / 100 == 2)
                    return conn;
            }
            catch (SmtpSessionException)
            {
            }
            await conn.DisposeAsync();
        }
        return null;
    }

    private static void MoveAll(List<DeliveryRecipient> pending, Dictionary<DeliveryRecipient, RecipientResult> final, Dictionary<DeliveryRecipient, RecipientResult> soft)
    {
        foreach (var r in pending)
        {
            final[r] = soft[r];
            soft.Remove(r);
        }
        pending.Clear();
    }

    private static RecipientResult Result(DeliveryRecipient r, SmtpFailure f, SmtpTarget t, bool permanent) =>
        new(r, permanent ? DeliveryOutcome.Bounced : DeliveryOutcome.Deferred, f.Status, f.Reason, t.NameAddrPort,
            DsnAction: permanent ? "failed" : "delayed");

    /// <summary>Ends a conversation politely: QUIT, the reply (ignored), close.</summary>
    internal static async Task QuitAsync(SmtpConnection conn, SmtpClientSettings settings, CancellationToken ct)
    {
        try
        {
            conn.Queue("QUIT\r\n");
            await conn.FlushAsync(settings.QuitTimeout, SmtpStage.Quit.While, ct);
            await conn.ReadReplyAsync(settings.QuitTimeout, SmtpStage.Quit.While, ct);
        }
        catch (SmtpSessionException)
        {
        }
        finally
        {
            await conn.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => _cache.DisposeAsync();
}
