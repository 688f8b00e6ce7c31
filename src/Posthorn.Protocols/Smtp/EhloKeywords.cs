namespace Posthorn.Protocols.Smtp;

/// <summary>
/// Builds the EHLO (or LHLO) reply: the server's name on the first line, then one ESMTP keyword
/// per line, leaving out those named in smtpd_discard_ehlo_keywords (postconf(5): matched by the
/// keyword's first word, case-insensitively; the pseudo keyword "silent-discard" only stops the
/// logging of discards and is never a keyword itself). Keywords come in the order Postfix's
/// smtpd(8) announces them, e.g. PIPELINING, SIZE n, VRFY, ETRN, STARTTLS, AUTH ...,
/// ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING.
/// </summary>
public sealed class EhloKeywords
{
    private readonly HashSet<string> _discard;

    /// <param name="discardKeywords">smtpd_discard_ehlo_keywords, already split into words.</param>
    public EhloKeywords(IEnumerable<string> discardKeywords)
    {
        _discard = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var k in discardKeywords)
        {
            if (k.Equals("silent-discard", StringComparison.OrdinalIgnoreCase))
                SilentDiscard = true;
            else
                _discard.Add(k);
        }
    }

    /// <summary>"silent-discard" was listed: do not log the discarded keywords.</summary>
    public bool SilentDiscard { get; }

    /// <summary>True when <paramref name="keywordLine"/> (e.g. "SIZE 10240000") is to be left out.</summary>
    public bool IsDiscarded(string keywordLine)
    {
        int sp = keywordLine.IndexOf(' ', StringComparison.Ordinal);
        return _discard.Contains(sp < 0 ? keywordLine : keywordLine[..sp]);
    }

    /// <summary>The 250 reply: <paramref name="serverName"/> (myhostname), then each kept keyword.</summary>
    public SmtpReply Build(string serverName, IEnumerable<string> keywords)
    {
        var lines = new List<string> { serverName };
        foreach (var k in keywords)
            if (!IsDiscarded(k))
                lines.Add(k);
        return new SmtpReply(250, null, lines);
    }

    /// <summary>
    /// The keywords Postfix's smtpd announces, in its order: PIPELINING, SIZE (with
    /// message_size_limit unless 0), VRFY (unless disable_vrfy_command), ETRN, STARTTLS (when TLS
    /// is offered and not yet active), AUTH with the mechanisms (and AUTH= for
    /// broken_sasl_auth_clients), ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8 (smtputf8_enable),
    /// CHUNKING. Pass the result to <see cref="Build"/>, which drops the discarded ones.
    /// </summary>
    public static IReadOnlyList<string> Standard(long messageSizeLimit, bool vrfy = true, bool startTls = false,
        IReadOnlyList<string>? authMechanisms = null, bool brokenSaslAuthClients = false, bool smtpUtf8 = true)
    {
        var list = new List<string>
        {
            "PIPELINING",
            messageSizeLimit > 0 ? "SIZE " + messageSizeLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) : "SIZE",
        };
        if (vrfy)
            list.Add("VRFY");
        list.Add("ETRN");
        if (startTls)
            list.Add("STARTTLS");
        if (authMechanisms is { Count: > 0 })
        {
            var mechs = string.Join(' ', authMechanisms);
            list.Add("AUTH " + mechs);
            if (brokenSaslAuthClients)
                list.Add("AUTH=" + mechs);
        }
        list.Add("ENHANCEDSTATUSCODES");
        list.Add("8BITMIME");
        list.Add("DSN");
        if (smtpUtf8)
            list.Add("SMTPUTF8");
        list.Add("CHUNKING");
        return list;
    }
}
