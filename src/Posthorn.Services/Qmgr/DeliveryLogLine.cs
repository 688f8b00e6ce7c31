using System.Globalization;
using System.Text;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// The per-recipient delivery record every Postfix delivery agent logs (log_adhoc):
/// <c>ID: to=&lt;rcpt&gt;, orig_to=&lt;orig&gt;, relay=R, delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=S (reason)</c>.
/// orig_to appears only when it differs (case-insensitively) from the recipient. The delays are
/// before the queue manager, in the queue manager, connection setup and transmission; small
/// values show two significant digits, never below delay_logging_resolution_limit decimals,
/// large ones whole seconds, as Postfix's format_tv().
/// </summary>
public static class DeliveryLogLine
{
    /// <summary>The four timestamps of a delivery: arrival, entry into active, hand-off to the agent, and the end.</summary>
    public readonly record struct Stamps(DateTimeOffset Arrival, DateTimeOffset Active, DateTimeOffset? Handoff, DateTimeOffset Done, DateTimeOffset? ConnectionSetup = null);

    public static string Format(string queueId, string recipient, string? originalRecipient, string relay, Stamps t,
        string dsn, string status, string reason, int resolution = 2)
    {
        var b = new StringBuilder();
        b.Append(queueId).Append(": to=<").Append(recipient).Append('>');
        if (!string.IsNullOrEmpty(originalRecipient) && !string.Equals(originalRecipient, recipient, StringComparison.OrdinalIgnoreCase))
            b.Append(", orig_to=<").Append(originalRecipient).Append('>');
        b.Append(", relay=").Append(relay);
        var total = t.Done - t.Arrival;
        var p = t.Active - t.Arrival;
        TimeSpan a, s = TimeSpan.Zero, x = TimeSpan.Zero;
        if (t.Handoff is { } h)
        {
            a = h - t.Active;
            if (t.ConnectionSetup is { } c)
            {
                s = c - h;
                x = t.Done - c;
            }
            else
            {
                x = t.Done - h;
            }
        }
        else
        {
            a = t.Done - t.Active;
        }
        b.Append(", delay=").Append(Pretty(total, resolution));
        b.Append(", delays=").Append(Pretty(p, resolution)).Append('/').Append(Pretty(a, resolution))
            .Append('/').Append(Pretty(s, resolution)).Append('/').Append(Pretty(x, resolution));
        b.Append(", dsn=").Append(dsn).Append(", status=").Append(status).Append(" (").Append(reason).Append(')');
        return b.ToString();
    }

    /// <summary>format_tv(sec, usec, 2 significant digits, maxDigits decimals).</summary>
    public static string Pretty(TimeSpan span, int maxDigits = 2)
    {
        const int Million = 1_000_000;
        long ticks = Math.Max(0, span.Ticks);
        long sec = ticks / TimeSpan.TicksPerSecond;
        long usec = ticks % TimeSpan.TicksPerSecond / 10;
        maxDigits = Math.Clamp(maxDigits, 0, 6);
        long ures = Million / (long)Math.Pow(10, maxDigits);
        const long wid = 100;
        if (ures < Million)
        {
            if (sec > 0)
            {
                long n = 1;
                while (sec >= n && n <= wid / 10)
                    n *= 10;
                ures = Million / wid * n;
            }
            else
            {
                while (usec >= wid * ures)
                    ures *= 10;
            }
        }
        if (ures > 1)
        {
            usec += ures / 2;
            if (usec >= Million)
            {
                sec += 1;
                usec -= Million;
            }
        }
        var r = new StringBuilder(sec.ToString(CultureInfo.InvariantCulture));
        if (usec >= ures)
        {
            r.Append('.');
            long rem = usec;
            for (long n = Million / 10; rem >= ures && n > 0; n /= 10)
            {
                r.Append((char)('0' + rem / n));
                rem %= n;
            }
        }
        return r.ToString();
    }
}
