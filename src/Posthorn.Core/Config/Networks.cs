using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Posthorn.Core.Config;

/// <summary>
/// The default mynetworks, from mynetworks_style as Postfix computes it: "host" lists the
/// machine's own addresses, "subnet" their subnets, "class" their class A/B/C networks.
/// IPv6 entries are written in Postfix's [addr]/len form.
/// </summary>
internal static class Networks
{
    public static string MyNetworks(MainConfig config)
    {
        var style = config.Get("mynetworks_style").Trim().ToLowerInvariant();
        var result = new List<string>();
        foreach (var (address, prefix) in InterfaceAddresses())
        {
            int len = style switch
            {
                "host" => address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128,
                "class" when address.AddressFamily == AddressFamily.InterNetwork => ClassLength(address),
                _ => prefix,
            };
            var net = Mask(address, len);
            var text = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{net}]/{len}" : $"{net}/{len}";
            if (!result.Contains(text))
                result.Add(text);
        }
        return string.Join(' ', result);
    }

    private static IEnumerable<(IPAddress Address, int Prefix)> InterfaceAddresses()
    {
        var v4 = new List<(IPAddress, int)>();
        var v6 = new List<(IPAddress, int)>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus == OperationalStatus.Down)
                continue;
            foreach (var u in nic.GetIPProperties().UnicastAddresses)
            {
                if (u.Address.AddressFamily == AddressFamily.InterNetwork)
                    v4.Add((u.Address, u.PrefixLength));
                else if (u.Address.AddressFamily == AddressFamily.InterNetworkV6)
                    v6.Add((new IPAddress(u.Address.GetAddressBytes()), u.PrefixLength));
            }
        }
        return v4.Concat(v6);
    }

    private static int ClassLength(IPAddress a)
    {
        var b = a.GetAddressBytes()[0];
        return b < 128 ? 8 : b < 192 ? 16 : 24;
    }

    private static IPAddress Mask(IPAddress address, int len)
    {
        var bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bits = Math.Clamp(len - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }
}
