using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Posthorn.Commands.Tests.Postconf;

/// <summary>
/// postconf -d against Debian's Postfix 3.7: Data/debian-postconf-d.txt is the output of Debian's
/// <c>postconf -d</c> with Debian's master.cf (Data/debian-master.cf). Every parameter must have
/// the same default, except Posthorn's own names and paths (docs/parameters.md) and the
/// host-specific myhostname, mydomain and mynetworks, which are computed here the way Postfix
/// computes them.
/// </summary>
public class PostconfDefaultsDifferentialTests
{
    private static readonly HashSet<string> PosthornOwn =
    [
        "mail_name", "mail_version", "mail_release_date", "config_directory", "queue_directory", "data_directory",
        "daemon_directory", "command_directory", "meta_directory", "sample_directory", "shlib_directory",
        "html_directory", "readme_directory", "syslog_name", "process_name", "process_id",
    ];

    private static readonly HashSet<string> HostSpecific = ["myhostname", "mydomain", "mynetworks"];

    private static Dictionary<string, string> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(" =", 2))
            .ToDictionary(p => p[0], p => p[1].TrimStart(), StringComparer.Ordinal);

    private static Dictionary<string, string> PosthornDefaults()
    {
        using var pc = new PostconfRunner("", File.ReadAllText(PostconfRunner.DataFile("debian-master.cf")));
        var (status, stdout, stderr) = pc.Run("-d");
        Assert.Equal(0, status);
        Assert.Equal("", stderr);
        return Parse(stdout);
    }

    [Fact]
    public void Every_registered_default_matches_debian_postconf_d()
    {
        var expected = Parse(File.ReadAllText(PostconfRunner.DataFile("debian-postconf-d.txt")));
        var actual = PosthornDefaults();
        var mismatches = new List<string>();
        foreach (var (name, value) in expected)
        {
            if (PosthornOwn.Contains(name) || HostSpecific.Contains(name))
                continue;
            if (!actual.TryGetValue(name, out var ours))
                mismatches.Add($"{name}: missing");
            else if (ours != value)
                mismatches.Add($"{name}: expected \"{value}\", got \"{ours}\"");
        }
        foreach (var name in actual.Keys.Where(n => !expected.ContainsKey(n) && !Posthorn.Core.Config.PosthornParameters.IsPosthornOwn(n)))
            mismatches.Add($"{name}: not in Postfix 3.7");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(expected.Count > 1000);
    }

    [Fact]
    public void Host_specific_defaults_are_computed_as_postfix_computes_them()
    {
        var actual = PosthornDefaults();
        var host = System.Net.Dns.GetHostName();
        var myhostname = host.Contains('.', StringComparison.Ordinal) ? host : host + ".localdomain";
        int dot = myhostname.IndexOf('.', StringComparison.Ordinal);
        var mydomain = myhostname[(dot + 1)..];
        Assert.Equal(myhostname, actual["myhostname"]);
        Assert.Equal(mydomain, actual["mydomain"]);
        Assert.Equal(string.Join(' ', SubnetStyleNetworks()), actual["mynetworks"]);
    }

    /// <summary>mynetworks_style = subnet (compatibility_level 0): each interface's network, IPv4 first.</summary>
    private static List<string> SubnetStyleNetworks()
    {
        var seen = new List<string>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces().Where(n => n.OperationalStatus != OperationalStatus.Down))
            {
                foreach (var u in nic.GetIPProperties().UnicastAddresses.Where(u => u.Address.AddressFamily == family))
                {
                    var bytes = u.Address.GetAddressBytes();
                    for (int i = 0; i < bytes.Length; i++)
                        bytes[i] &= (byte)(0xFF << (8 - Math.Clamp(u.PrefixLength - i * 8, 0, 8)));
                    var net = new System.Net.IPAddress(bytes);
                    var text = family == AddressFamily.InterNetworkV6 ? $"[{net}]/{u.PrefixLength}" : $"{net}/{u.PrefixLength}";
                    if (!seen.Contains(text))
                        seen.Add(text);
                }
            }
        }
        return seen;
    }
}
