using System.Security.Authentication;

namespace Posthorn.Services.Tls;

/// <summary>
/// Parses a Postfix TLS protocol list (postconf(5) smtpd_tls_protocols,
/// smtpd_tls_mandatory_protocols): either exclusions (<c>!SSLv2, !SSLv3</c>), inclusions
/// (<c>TLSv1.2 TLSv1.3</c>) or bounds (<c>&gt;=TLSv1.2</c>, <c>&lt;=TLSv1.3</c>), separated by
/// commas, spaces or colons, case-insensitive. The result is limited to what .NET can negotiate
/// (TLSv1.2 and TLSv1.3); a list that leaves nothing is an error, as Postfix refuses it.
/// </summary>
public static class TlsProtocolList
{
    private static readonly string[] Ordered = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

    /// <summary>The protocols the list allows, as <see cref="SslProtocols"/> flags.</summary>
    /// <exception cref="FormatException">An unknown protocol name, or nothing left to negotiate.</exception>
    public static SslProtocols Parse(string value)
    {
        var allowed = new HashSet<int>(Enumerable.Range(0, Ordered.Length));
        var included = new HashSet<int>();
        bool anyInclusion = false;
        foreach (var raw in value.Split([',', ' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (raw.StartsWith(">=", StringComparison.Ordinal))
                allowed.RemoveWhere(i => i < IndexOf(raw[2..]));
            else if (raw.StartsWith("<=", StringComparison.Ordinal))
                allowed.RemoveWhere(i => i > IndexOf(raw[2..]));
            else if (raw.StartsWith('!'))
                allowed.Remove(IndexOf(raw[1..]));
            else
            {
                anyInclusion = true;
                included.Add(IndexOf(raw));
            }
        }
        if (anyInclusion)
            allowed.IntersectWith(included);
        var result = SslProtocols.None;
        if (allowed.Contains(4))
            result |= SslProtocols.Tls12;
        if (allowed.Contains(5))
            result |= SslProtocols.Tls13;
        if (result == SslProtocols.None)
            throw new FormatException($"no supported TLS protocol left in \"{value}\" (this build supports TLSv1.2 and TLSv1.3)");
        return result;
    }

    private static int IndexOf(string name)
    {
        for (int i = 0; i < Ordered.Length; i++)
        {
            if (string.Equals(Ordered[i], name, StringComparison.OrdinalIgnoreCase))
                return i;
        }
        throw new FormatException($"invalid TLS protocol name: \"{name}\"");
    }
}
