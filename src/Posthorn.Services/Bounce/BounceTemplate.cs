namespace Posthorn.Services.Bounce;

/// <summary>Which notice a template writes, as bounce(5) names them.</summary>
public enum BounceTemplateKind
{
    Failure,
    Delay,
    Success,
    Verify,
}

/// <summary>
/// A bounce message template as bounce(5) describes the format of <c>bounce_template_file</c>:
/// a few headers (Charset, From, Subject, Postmaster-Subject) and the text, in which
/// <c>$name</c> expands to main.cf parameters and to the special time forms
/// <c>$delay_warning_time_hours</c> (also _seconds, _minutes, _days, _weeks) of
/// bounce_queue_lifetime, delay_warning_time and maximal_queue_lifetime.
/// </summary>
public sealed record BounceTemplate(
    BounceTemplateKind Kind,
    string Charset,
    string From,
    string Subject,
    string PostmasterSubject,
    IReadOnlyList<string> Body)
{
    /// <summary>The template name in a bounce_template_file: failure_template, delay_template ...</summary>
    public string Name => Kind.ToString().ToLowerInvariant() + "_template";

    /// <summary>True when the charset is us-ascii, so the text part needs no 8-bit declaration.</summary>
    public bool IsAscii => Charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase);
}
