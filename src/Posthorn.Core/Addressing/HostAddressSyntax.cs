using System.Net;
using System.Net.Sockets;

namespace Posthorn.Core.Addressing;

/// <summary>
/// Postfix's valid_hostaddr(): an IPv4 address is exactly four decimal octets (0 to 255; a first
/// octet of 0 only in 0.0.0.0), an IPv6 address one that parses as IPv6 without a scope
/// ("%eth0"). .NET's own parser is more lenient ("1.2.3", "0x7f.1"), which HELO and address
/// literal checks must not be.
/// </summary>
public static class HostAddressSyntax
{
    public static bool IsValid(string address) =>
        address.Contains(':', StringComparison.Ordinal) ? IsIPv6(address) : IsIPv4(address);

    public static bool IsIPv4(string address)
    {
        var parts = address.Split('.');
        if (parts.Length != 4)
            return false;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255)
                return false;
        }
        // Postfix allows 0.0.0.0 but not 0.1.2.3.
        return int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) != 0 || parts.All(p => p.All(c => c == '0'));
    }

    public static bool IsIPv6(string address) =>
        !address.Contains('%', StringComparison.Ordinal)
        && IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
}
