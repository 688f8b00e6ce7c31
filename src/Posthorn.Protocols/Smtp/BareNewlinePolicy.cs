namespace Posthorn.Protocols.Smtp;

/// <summary>
/// smtpd_forbid_bare_newline (postconf(5)): what smtpd does with lines that end in a bare LF.
/// Posthorn always requires the standard end of data CR LF "." CR LF (see
/// <see cref="SmtpDataReader"/>), also under "no", so SMTP smuggling is closed in every mode.
/// </summary>
public enum BareNewlinePolicy
{
    /// <summary>"no" (Postfix 3.7's default): accept bare LF as a line ending.</summary>
    No,

    /// <summary>"normalize" (and its alias "yes"): accept bare LF, store it as CR LF.</summary>
    Normalize,

    /// <summary>"note": as normalize, and note the bare LF in the log line for the message.</summary>
    Note,

    /// <summary>
    /// "reject": reject the command or message with smtpd_forbid_bare_newline_reject_code
    /// ("Error: bare &lt;LF&gt; received") and log a "bare &lt;LF&gt; received" error.
    /// </summary>
    Reject,
}

/// <summary>Parses smtpd_forbid_bare_newline values (case does not matter).</summary>
public static class BareNewlinePolicies
{
    public static bool TryParse(string value, out BareNewlinePolicy policy)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "no":
                policy = BareNewlinePolicy.No;
                return true;
            case "normalize" or "yes":
                policy = BareNewlinePolicy.Normalize;
                return true;
            case "note":
                policy = BareNewlinePolicy.Note;
                return true;
            case "reject":
                policy = BareNewlinePolicy.Reject;
                return true;
            default:
                policy = BareNewlinePolicy.No;
                return false;
        }
    }
}
