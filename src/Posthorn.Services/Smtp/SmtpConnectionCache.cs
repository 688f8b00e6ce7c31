namespace Posthorn.Services.SmtpClient;

/// <summary>
/// Idle connections kept for the next delivery to the same destination (postconf(5)
/// smtp_connection_cache_on_demand, smtp_connection_cache_destinations, and scache(8)'s role,
/// in process): a connection is kept after a clean transaction, reused after an RSET probe,
/// closed when idle longer than smtp_connection_cache_time_limit, older than
/// smtp_connection_reuse_time_limit, used smtp_connection_reuse_count_limit times (0: no limit),
/// or found closed by the server. Keyed by nexthop and TLS level. TLS connections are kept only
/// with smtp_tls_connection_reuse = yes, as in Postfix.
/// </summary>
internal sealed class SmtpConnectionCache : IAsyncDisposable
{
    private readonly SmtpClientSettings _settings;
    private readonly Dictionary<string, List<(SmtpConnection Conn, DateTime IdleSince)>> _idle = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private readonly Timer _sweeper;

    public SmtpConnectionCache(SmtpClientSettings settings)
    {
        _settings = settings;
        _sweeper = new Timer(_ => _ = SweepAsync(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>True when connections to <paramref name="nexthop"/> are cached.</summary>
    public bool Enabled(string nexthop) =>
        _settings.CacheOnDemand || _settings.CacheDestinations.Contains(nexthop, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="conn"/> may be kept after a transaction.</summary>
    public bool MayKeep(SmtpConnection conn) =>
        (conn.TlsSummary is null || _settings.TlsConnectionReuse)
        && (_settings.ReuseCountLimit <= 0 || conn.Uses < _settings.ReuseCountLimit)
        && DateTime.UtcNow - conn.Created < _settings.ReuseTimeLimit;

    public void Put(string key, SmtpConnection conn)
    {
        lock (_lock)
        {
            if (!_idle.TryGetValue(key, out var list))
                _idle[key] = list = [];
            list.Add((conn, DateTime.UtcNow));
        }
    }

    /// <summary>An idle connection for <paramref name="key"/>, still fresh, or null.</summary>
    public SmtpConnection? TryTake(string key)
    {
        var stale = new List<SmtpConnection>();
        SmtpConnection? found = null;
        lock (_lock)
        {
            if (_idle.TryGetValue(key, out var list))
            {
                while (list.Count > 0 && found is null)
                {
                    var (conn, since) = list[^1];
                    list.RemoveAt(list.Count - 1);
                    if (Expired(conn, since) || conn.LooksDead())
                        stale.Add(conn);
                    else
                        found = conn;
                }
            }
        }
        foreach (var c in stale)
            _ = c.DisposeAsync().AsTask();
        return found;
    }

    private bool Expired(SmtpConnection conn, DateTime idleSince) =>
        DateTime.UtcNow - idleSince > _settings.CacheTimeLimit || DateTime.UtcNow - conn.Created > _settings.ReuseTimeLimit;

    private async Task SweepAsync()
    {
        var stale = new List<SmtpConnection>();
        lock (_lock)
        {
            foreach (var list in _idle.Values)
            {
                stale.AddRange(list.Where(e => Expired(e.Conn, e.IdleSince)).Select(e => e.Conn));
                list.RemoveAll(e => stale.Contains(e.Conn));
            }
        }
        foreach (var c in stale)
            await SmtpDeliveryAgent.QuitAsync(c, _settings, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        List<SmtpConnection> all;
        lock (_lock)
        {
            all = _idle.Values.SelectMany(l => l.Select(e => e.Conn)).ToList();
            _idle.Clear();
        }
        foreach (var c in all)
            await SmtpDeliveryAgent.QuitAsync(c, _settings, CancellationToken.None);
    }
}
