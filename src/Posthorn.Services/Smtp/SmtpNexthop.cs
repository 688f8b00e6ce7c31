using System.Globalization;
using System.Net;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// One destination of a delivery request, parsed as smtp(8) and lmtp(8) read a nexthop:
/// <c>domain</c> (MX lookup in SMTP mode), <c>[host]</c> and <c>[host]:port</c> (no MX lookup),
/// <c>host:port</c>; in LMTP mode also <c>inet:host:port</c>, <c>inet:[host]:port</c> and
/// <c>unix:/path</c> (a UNIX-domain socket). The port, when absent, is smtp_tcp_port or
/// lmtp_tcp_port.
/// </summary>
internal sealed record SmtpNexthop(string Host, int Port, bool SuppressMx, string? UnixPath = null)
{
    /// <summary>The text as written, for log and error messages (Postfix's "request->nexthop").</summary>
    public string Text { get; init; } = Host;

    /// <summary>True for a UNIX-domain socket destination.</summary>
    public bool IsUnix => UnixPath is not null;

    /// <summary>Parses <paramref name="text"/>; null when it is empty or malformed (bad port).</summary>
    public static SmtpNexthop? Parse(string text, int defaultPort, bool lmtp)
    {
        var s = text.Trim();
        if (s.Length == 0)
            return null;
        if (s.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = s[5..];
            return path.Length == 0 ? null : new SmtpNexthop(path, 0, true, path) { Text = s };
        }
        if (s.StartsWith("inet:", StringComparison.OrdinalIgnoreCase))
            s = s[5..];
        else if (lmtp && s.StartsWith('/'))
            return new SmtpNexthop(s, 0, true, s) { Text = text.Trim() };
        string host;
        string? portText = null;
        bool suppress = false;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                return null;
            host = s[1..close];
            suppress = true;
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                    return null;
                portText = rest[1..];
            }
            if (host.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase))
                host = host[5..];
        }
        else
        {
            int colon = s.LastIndexOf(':');
            if (colon >= 0 && s.IndexOf(':', StringComparison.Ordinal) == colon)
            {
                host = s[..colon];
                portText = s[(colon + 1)..];
            }
            else
            {
                host = s;
            }
            suppress = IPAddress.TryParse(host, out _);
        }
        if (host.Length == 0)
            return null;
        int port = defaultPort;
        if (!string.IsNullOrEmpty(portText)
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            return null;
        return new SmtpNexthop(host.TrimEnd('.'), port, suppress || lmtp) { Text = text.Trim() };
    }
}
