namespace Posthorn.Core.Config;

/// <summary>The host-name derived defaults, computed the way Postfix computes them.</summary>
internal static class HostNames
{
    /// <summary>The machine's name as gethostname() gives it; without a dot, ".$mydomain" (default "localdomain") is appended.</summary>
    public static string MyHostname(MainConfig config)
    {
        var name = System.Net.Dns.GetHostName();
        if (name.Contains('.', StringComparison.Ordinal))
            return name;
        var domain = config.IsSet("mydomain") ? config.Get("mydomain") : "localdomain";
        return name + "." + domain;
    }

    /// <summary>myhostname minus its first label, or "localdomain" when nothing is left.</summary>
    public static string MyDomain(MainConfig config)
    {
        var host = config.Get("myhostname");
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || dot == host.Length - 1)
            return "localdomain";
        return host[(dot + 1)..];
    }
}
