namespace Posthorn.Core.Config;

/// <summary>
/// Postfix's per-service parameters: for each master.cf service whose command is a delivery
/// agent (local, error, virtual, smtp, lmtp, pipe) or spawn, names such as
/// <c>SERVICE_destination_concurrency_limit</c> exist with a default that refers to the
/// general parameter (<c>$default_destination_concurrency_limit</c>); pipe and spawn also get
/// <c>SERVICE_time_limit</c> (<c>$command_time_limit</c>). postconf lists them and does not
/// call them unused; the queue manager reads them per transport.
/// </summary>
public static class ServiceParameters
{
    /// <summary>Suffix and default of each per-transport parameter, in Postfix's order.</summary>
    private static readonly (string Suffix, string Default)[] TransportParameters =
    [
        ("_recipient_limit", "$default_recipient_limit"),
        ("_extra_recipient_limit", "$default_extra_recipient_limit"),
        ("_recipient_refill_limit", "$default_recipient_refill_limit"),
        ("_recipient_refill_delay", "$default_recipient_refill_delay"),
        ("_delivery_slot_cost", "$default_delivery_slot_cost"),
        ("_delivery_slot_loan", "$default_delivery_slot_loan"),
        ("_delivery_slot_discount", "$default_delivery_slot_discount"),
        ("_minimum_delivery_slots", "$default_minimum_delivery_slots"),
        ("_initial_destination_concurrency", "$initial_destination_concurrency"),
        ("_destination_concurrency_limit", "$default_destination_concurrency_limit"),
        ("_destination_recipient_limit", "$default_destination_recipient_limit"),
        ("_destination_concurrency_positive_feedback", "$default_destination_concurrency_positive_feedback"),
        ("_destination_concurrency_negative_feedback", "$default_destination_concurrency_negative_feedback"),
        ("_destination_concurrency_failed_cohort_limit", "$default_destination_concurrency_failed_cohort_limit"),
        ("_destination_rate_delay", "$default_destination_rate_delay"),
        ("_transport_rate_delay", "$default_transport_rate_delay"),
    ];

    private const string TimeLimitSuffix = "_time_limit";
    private const string TimeLimitDefault = "$command_time_limit";

    private static readonly string[] DeliveryAgents = ["local", "error", "virtual", "smtp", "lmtp"];

    /// <summary>The per-service parameters a master.cf entry adds: (name, default) pairs.</summary>
    public static IEnumerable<(string Name, string Default)> For(MasterService service)
    {
        var program = System.IO.Path.GetFileName(service.Command);
        bool pipe = program == "pipe", spawn = program == "spawn";
        if (pipe || spawn)
            yield return (service.Name + TimeLimitSuffix, TimeLimitDefault);
        if (pipe || Array.IndexOf(DeliveryAgents, program) >= 0)
        {
            foreach (var (suffix, def) in TransportParameters)
                yield return (service.Name + suffix, def);
        }
    }

    /// <summary>
    /// The default of a per-transport name for any transport (what a delivery agent or the queue
    /// manager falls back to when main.cf does not set it). False for other names.
    /// </summary>
    public static bool TryGetDefault(string name, out string value)
    {
        foreach (var (suffix, def) in TransportParameters)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                value = def;
                return true;
            }
        }
        if (name.Length > TimeLimitSuffix.Length && name.EndsWith(TimeLimitSuffix, StringComparison.Ordinal))
        {
            value = TimeLimitDefault;
            return true;
        }
        value = "";
        return false;
    }
}
