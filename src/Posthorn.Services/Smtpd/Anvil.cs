using System.Net;

namespace Posthorn.Services.Smtpd;

/// <summary>
/// Postfix's anvil(8) inside the process, for one smtpd service: per client address, the
/// number of connections open now and the number opened within the last
/// anvil_rate_time_unit, so smtpd can enforce smtpd_client_connection_count_limit and
/// smtpd_client_connection_rate_limit. The rate is counted in fixed windows as anvil does:
/// a window starts with the first connection after the previous one expired.
/// </summary>
public sealed class Anvil
{
    private readonly object _lock = new();
    private readonly Dictionary<IPAddress, Entry> _entries = [];
    private readonly TimeSpan _unit;
    private readonly TimeProvider _time;

    public Anvil(TimeSpan rateTimeUnit, TimeProvider? time = null)
    {
        _unit = rateTimeUnit <= TimeSpan.Zero ? TimeSpan.FromSeconds(60) : rateTimeUnit;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A client connected: returns the connections open now (this one included) and the rate in this window.</summary>
    public (int Count, int Rate) Connect(IPAddress client)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            if (!_entries.TryGetValue(client, out var e))
                _entries[client] = e = new Entry { WindowStart = now };
            if (now - e.WindowStart >= _unit)
            {
                e.WindowStart = now;
                e.Rate = 0;
            }
            e.Count++;
            e.Rate++;
            if (_entries.Count > 10_000)
                Prune(now);
            return (e.Count, e.Rate);
        }
    }

    /// <summary>A client's connection ended.</summary>
    public void Disconnect(IPAddress client)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(client, out var e) && e.Count > 0)
                e.Count--;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, e) in _entries.ToList())
            if (e.Count == 0 && now - e.WindowStart >= _unit)
                _entries.Remove(key);
    }

    private sealed class Entry
    {
        public int Count;
        public int Rate;
        public DateTimeOffset WindowStart;
    }
}
