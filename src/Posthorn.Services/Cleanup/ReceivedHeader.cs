namespace Posthorn.Services.Cleanup;

/// <summary>
/// The Received: header Postfix puts on top of a message, as physical lines (continuations
/// begin with a tab). From smtpd(8):
/// <code>
/// Received: from HELO (NAME [ADDR])
///         (using TLSv1.3 with cipher C (256/256 bits)          smtpd_tls_received_header = yes
///          key-exchange X25519 server-signature ... server-digest SHA256)
///         (No client certificate requested)
///         (Authenticated sender: USER)                          smtpd_sasl_authenticated_header = yes
///         by $myhostname ($mail_name) with ESMTPSA id QUEUEID
///         for &lt;rcpt&gt;; DATE                                     (exactly one recipient)
/// </code>
/// With more than one recipient the "by" line ends in ";" and the date has a line of its own.
/// From pickup(8) (local submission): <c>Received: by $myhostname ($mail_name, from userid UID)</c>
/// then <c>id QUEUEID; DATE</c>.
/// </summary>
public static class ReceivedHeader
{
    public static List<string> Build(CleanupSettings settings, CleanupEnvelope envelope, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(envelope);
        var c = envelope.Client;
        var date = MailDate.Format(envelope.ArrivalTime, zone);
        var lines = new List<string>();
        if (c.IsLocalSubmission)
        {
            lines.Add(c.Uid is null
                ? $"Received: by {settings.MyHostname} ({settings.MailName})"
                : $"Received: by {settings.MyHostname} ({settings.MailName}, from userid {c.Uid})");
            lines.Add($"\tid {envelope.QueueId}; {date}");
            return lines;
        }
        var name = c.Name ?? "unknown";
        var addr = c.Address!;
        var rfcAddr = addr.Contains(':', StringComparison.Ordinal) && !addr.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? "IPv6:" + addr : addr;
        lines.Add($"Received: from {c.Helo ?? name} ({name} [{rfcAddr}])");
        if (c.Tls is { } tls && settings.TlsReceivedHeader)
            AddTls(settings, tls, lines);
        if (c.SaslUser is not null && settings.SaslAuthenticatedHeader)
            lines.Add($"\t(Authenticated sender: {SanitizeComment(c.SaslUser)})");
        var by = $"\tby {settings.MyHostname} ({settings.MailName}) with {c.ReceivedProtocol} id {envelope.QueueId}";
        if (envelope.Recipients.Count == 1)
        {
            lines.Add(by);
            lines.Add($"\tfor <{Rfc822Tokens.Quote(envelope.Recipients[0].Address)}>; {date}");
        }
        else
        {
            lines.Add(by + ";");
            lines.Add("\t" + date);
        }
        return lines;
    }

    private static void AddTls(CleanupSettings settings, CleanupTls tls, List<string> lines)
    {
        var first = $"\t(using {tls.Protocol} with cipher {tls.Cipher} ({tls.UseBits}/{tls.AlgBits} bits)";
        string current = first;
        bool cont = false;
        if (!string.IsNullOrEmpty(tls.KeyExchange))
        {
            lines.Add(current);
            current = $"\t key-exchange {tls.KeyExchange}";
            cont = true;
        }
        if (!string.IsNullOrEmpty(tls.ServerSignature))
        {
            if (cont)
            {
                current += $" server-signature {tls.ServerSignature}";
            }
            else
            {
                lines.Add(current);
                current = $"\t server-signature {tls.ServerSignature}";
            }
            if (!string.IsNullOrEmpty(tls.ServerDigest))
                current += $" server-digest {tls.ServerDigest}";
        }
        lines.Add(current + ")");
        if (tls.ClientCommonName is not null)
            lines.Add($"\t(Client CN \"{SanitizeComment(tls.ClientCommonName)}\", Issuer \"{SanitizeComment(tls.ClientIssuer ?? "")}\" ({(tls.ClientCertTrusted ? "verified OK" : "not verified")}))");
        else if (settings.TlsAskClientCert)
            lines.Add("\t(Client did not present a certificate)");
        else
            lines.Add("\t(No client certificate requested)");
    }

    /// <summary>comment_sanitize(): keeps a comment's parentheses balanced and its text printable.</summary>
    private static string SanitizeComment(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        int depth = 0;
        foreach (var ch in text)
        {
            var c = ch < ' ' || ch == 127 ? '?' : ch;
            if (c == '(') depth++;
            else if (c == ')')
            {
                if (depth == 0) continue;
                depth--;
            }
            if (c == '\\') sb.Append('\\');
            sb.Append(c);
        }
        sb.Append(')', depth);
        return sb.ToString();
    }
}
