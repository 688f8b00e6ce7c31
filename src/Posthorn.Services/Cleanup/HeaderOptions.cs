namespace Posthorn.Services.Cleanup;

/// <summary>What cleanup(8) does with a known header (Postfix's header_opts).</summary>
[Flags]
internal enum HeaderFlags
{
    None = 0,
    Sender = 1,
    Recipient = 2,
    Resent = 4,
    Mime = 8,
}

/// <summary>A known header: its canonical name and flags.</summary>
internal sealed record HeaderOption(string Name, HeaderFlags Flags);

/// <summary>
/// The headers cleanup(8) knows by name (Postfix's header_opts table): sender-address headers
/// (From, Sender, Reply-To, Errors-To, Return-Receipt-To, Disposition-Notification-To,
/// Mail-Followup-To, Return-Path, Resent-From, Resent-Sender), recipient-address headers (To,
/// Cc, Bcc, Apparently-To, Resent-To, Resent-Cc, Resent-Bcc, Resent-Reply-To), the Resent-*
/// group, MIME headers, and Date, Message-Id, Received, Content-Length, Delivered-To.
/// </summary>
internal static class HeaderOptions
{
    private static readonly Dictionary<string, HeaderOption> Table = Build(
        ("Apparently-To", HeaderFlags.Recipient),
        ("Bcc", HeaderFlags.Recipient),
        ("Cc", HeaderFlags.Recipient),
        ("Content-Description", HeaderFlags.Mime),
        ("Content-Disposition", HeaderFlags.Mime),
        ("Content-ID", HeaderFlags.Mime),
        ("Content-Length", HeaderFlags.None),
        ("Content-Transfer-Encoding", HeaderFlags.Mime),
        ("Content-Type", HeaderFlags.Mime),
        ("Delivered-To", HeaderFlags.None),
        ("Disposition-Notification-To", HeaderFlags.Sender),
        ("Date", HeaderFlags.None),
        ("Errors-To", HeaderFlags.Sender),
        ("From", HeaderFlags.Sender),
        ("Mail-Followup-To", HeaderFlags.Sender),
        ("Message-Id", HeaderFlags.None),
        ("MIME-Version", HeaderFlags.Mime),
        ("Received", HeaderFlags.None),
        ("Reply-To", HeaderFlags.Sender),
        ("Resent-Bcc", HeaderFlags.Recipient | HeaderFlags.Resent),
        ("Resent-Cc", HeaderFlags.Recipient | HeaderFlags.Resent),
        ("Resent-Date", HeaderFlags.Resent),
        ("Resent-From", HeaderFlags.Sender | HeaderFlags.Resent),
        ("Resent-Message-Id", HeaderFlags.Resent),
        ("Resent-Reply-To", HeaderFlags.Recipient | HeaderFlags.Resent),
        ("Resent-Sender", HeaderFlags.Sender | HeaderFlags.Resent),
        ("Resent-To", HeaderFlags.Recipient | HeaderFlags.Resent),
        ("Return-Path", HeaderFlags.Sender),
        ("Return-Receipt-To", HeaderFlags.Sender),
        ("Sender", HeaderFlags.Sender),
        ("To", HeaderFlags.Recipient));

    /// <summary>The known header for a header line ("Name: value"), or null.</summary>
    public static HeaderOption? Find(string header) =>
        Table.TryGetValue(NameOf(header), out var opt) ? opt : null;

    /// <summary>The header's name, as written (trailing blanks before the colon removed).</summary>
    public static string NameOf(string header)
    {
        int colon = header.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? header : header[..colon]).TrimEnd(' ', '\t');
    }

    /// <summary>Postfix's is_header(): "name:" with a name of printable non-space characters.</summary>
    public static bool IsHeader(string line)
    {
        int i = 0;
        for (; i < line.Length; i++)
        {
            char c = line[i];
            if (c == ':')
                return i > 0;
            if (c is ' ' or '\t')
            {
                // Blanks may separate the name from the colon, nothing else.
                int j = i;
                while (j < line.Length && line[j] is ' ' or '\t')
                    j++;
                return i > 0 && j < line.Length && line[j] == ':';
            }
            if (c <= ' ' || c >= 127)
                return false;
        }
        return false;
    }

    private static Dictionary<string, HeaderOption> Build(params (string Name, HeaderFlags Flags)[] items)
    {
        var d = new Dictionary<string, HeaderOption>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, flags) in items)
            d[name] = new HeaderOption(name, flags);
        return d;
    }
}
