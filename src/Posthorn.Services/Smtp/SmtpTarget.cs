using System.Globalization;
using System.Net;

namespace Posthorn.Services.SmtpClient;

/// <summary>
/// One server to try: a host name with one of its addresses and the port (or a UNIX-domain
/// socket path), and the MX preference it came from. <see cref="NameAddr"/> and
/// <see cref="NameAddrPort"/> are Postfix's "host[addr]" and "host[addr]:port" forms used in
/// relay= and in every reason text.
/// </summary>
internal sealed record SmtpTarget(string Host, IPAddress? Address, int Port, int Preference, string? UnixPath = null)
{
    /// <summary>True when this server is the most preferred MX of its domain (loop reports are then permanent).</summary>
    public bool BestMx { get; init; } = true;

    public string NameAddr => UnixPath is not null ? Host + "[" + UnixPath + "]" : Host + "[" + Address + "]";

    public string NameAddrPort => UnixPath is not null ? NameAddr
        : NameAddr + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The connection cache key: same server, same port.</summary>
    public string EndpointKey => UnixPath ?? Address + ":" + Port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A failure that ends a whole delivery attempt before or between servers: DSN status and reason.</summary>
internal sealed record SmtpFailure(string Status, string Reason)
{
    /// <summary>A permanent failure that only ends this server's turn (smtp_skip_5xx_greeting): final at the last server.</summary>
    public bool NonFinal { get; init; }

    public bool IsPermanent => Status.StartsWith('5');
}
