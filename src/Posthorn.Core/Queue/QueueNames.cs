namespace Posthorn.Core.Queue;

/// <summary>
/// The queue directories under queue_directory, with Postfix's names (mail_queue(3)):
/// maildrop (local submission), incoming (new mail from cleanup), active (being delivered),
/// deferred (to retry), hold (on hold, postsuper -h), corrupt (unreadable files), and the
/// per-message log directories bounce, defer and trace.
/// </summary>
public static class QueueNames
{
    public const string Maildrop = "maildrop";
    public const string Incoming = "incoming";
    public const string Active = "active";
    public const string Deferred = "deferred";
    public const string Hold = "hold";
    public const string Corrupt = "corrupt";
    public const string Bounce = "bounce";
    public const string Defer = "defer";
    public const string Trace = "trace";

    /// <summary>Every queue directory, in the order postfix(1) creates them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Maildrop, Incoming, Active, Deferred, Hold, Corrupt, Bounce, Defer, Trace];

    /// <summary>A queue name is non-empty, at most 100 characters, letters and digits only (as Postfix checks).</summary>
    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > 100)
            return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c))
                return false;
        return true;
    }
}
