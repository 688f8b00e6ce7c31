using System.Globalization;
using Posthorn.Core.Config;

namespace Posthorn.Services.Qmgr;

/// <summary>
/// The qmgr(8) controls for one master.cf transport, read with Postfix's per-transport override
/// rule: <c>TRANSPORT_destination_concurrency_limit</c> falls back to
/// <c>default_destination_concurrency_limit</c>, and likewise the recipient limit, the initial
/// concurrency, the concurrency feedback and the failed cohort limit. The process limit is the
/// master.cf maxproc column, else <c>default_process_limit</c>.
/// </summary>
public sealed record TransportSettings(
    string Name,
    int ProcessLimit,
    int DestinationConcurrencyLimit,
    int DestinationRecipientLimit,
    int InitialConcurrency,
    Feedback PositiveFeedback,
    Feedback NegativeFeedback,
    double FailedCohortLimit)
{
    /// <summary>With a recipient limit of 1 every recipient is its own destination (as Postfix does for local).</summary>
    public bool PerRecipientQueues => DestinationRecipientLimit == 1;

    public static TransportSettings From(MainConfig config, string transport, int? maxProc)
    {
        string Param(string suffix) =>
            config.IsSet(transport + "_" + suffix) ? config.Get(transport + "_" + suffix) : config.Get("default_" + suffix);

        int Int(string suffix, int fallback) =>
            int.TryParse(Param(suffix).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

        var initial = config.IsSet(transport + "_initial_destination_concurrency")
            ? config.GetInt(transport + "_initial_destination_concurrency")
            : config.GetInt("initial_destination_concurrency");
        int limit = Int("destination_concurrency_limit", 20);
        // The initial window never exceeds the transport's concurrency limit.
        if (limit > 0 && initial > limit)
            initial = limit;
        return new TransportSettings(
            transport,
            maxProc is > 0 ? maxProc.Value : config.GetInt("default_process_limit"),
            limit,
            Int("destination_recipient_limit", 50),
            Math.Max(1, initial),
            Feedback.Parse(Param("destination_concurrency_positive_feedback")),
            Feedback.Parse(Param("destination_concurrency_negative_feedback")),
            Feedback.ParseNumber(Param("destination_concurrency_failed_cohort_limit"), 1));
    }
}

/// <summary>
/// A concurrency feedback value as postconf(5) writes it: a number, a fraction "1/8", or
/// "n/concurrency" (inversely proportional to the current window); hysteresis is 1.
/// </summary>
public readonly record struct Feedback(double Numerator, bool PerConcurrency, double Denominator)
{
    public double ValueAt(double window) => PerConcurrency ? Numerator / Math.Max(1, window) : Numerator / Denominator;

    public static Feedback Parse(string text)
    {
        var t = text.Trim();
        int slash = t.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
            return new Feedback(ParseNumber(t, 1), false, 1);
        var num = ParseNumber(t[..slash], 1);
        var den = t[(slash + 1)..].Trim();
        if (den.Equals("concurrency", StringComparison.OrdinalIgnoreCase))
            return new Feedback(num, true, 1);
        var d = ParseNumber(den, 1);
        return new Feedback(num, false, d == 0 ? 1 : d);
    }

    public static double ParseNumber(string text, double fallback) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
