using Posthorn.Services.Bounce;

namespace Posthorn.Services.Delivery;

/// <summary>
/// Converts a recipient's DSN NOTIFY (RFC 3461) between the queue file's text form
/// ("NEVER", or a comma list of SUCCESS, FAILURE, DELAY) and <see cref="DsnNotify"/> bits.
/// </summary>
public static class DsnNotifyText
{
    public static DsnNotify Parse(string? text)
    {
        var n = DsnNotify.None;
        if (string.IsNullOrEmpty(text))
            return n;
        foreach (var word in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            n |= word.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => DsnNotify.None,
            };
        }
        return n;
    }

    public static string? Format(DsnNotify notify)
    {
        if (notify == DsnNotify.None)
            return null;
        if ((notify & DsnNotify.Never) != 0)
            return "NEVER";
        var words = new List<string>();
        if ((notify & DsnNotify.Success) != 0)
            words.Add("SUCCESS");
        if ((notify & DsnNotify.Failure) != 0)
            words.Add("FAILURE");
        if ((notify & DsnNotify.Delay) != 0)
            words.Add("DELAY");
        return string.Join(',', words);
    }

    /// <summary>Whether a notice of this kind goes to the sender: unspecified NOTIFY means FAILURE and DELAY (RFC 3461 4.1).</summary>
    public static bool Wants(DsnNotify notify, DsnNotify kind) =>
        notify == DsnNotify.None ? kind is DsnNotify.Failure or DsnNotify.Delay : (notify & kind) != 0;
}
