namespace Posthorn.Core.Config;

/// <summary>The parameter table: Postfix 3.7's defaults, and Posthorn's own names.</summary>
internal static class BuiltinParameters
{
    public static IEnumerable<ParameterDefinition> Definitions()
    {
        yield return new("mail_name", "Posthorn");
        yield return new("mail_version", MailVersion.Current);
        yield return new("config_directory", ConfigDirectory.Default);
        yield return new("queue_directory", "/var/spool/posthorn");
        yield return new("data_directory", "/var/lib/posthorn");
        yield return new("syslog_name", "${multi_instance_name?{$multi_instance_name}:{posthorn}}");
        yield return new("multi_instance_name", "");
        yield return new("maillog_file", "");
        yield return new("myhostname", "", Compute: HostNames.MyHostname);
        yield return new("mydomain", "", Compute: HostNames.MyDomain);
        yield return new("myorigin", "$myhostname");
        yield return new("mydestination", "$myhostname, localhost.$mydomain, localhost", ParameterKind.List);
        yield return new("message_size_limit", "10240000", ParameterKind.Long);
        yield return new("mail_owner", "postfix");
    }
}

/// <summary>The version Posthorn reports as mail_version.</summary>
public static class MailVersion
{
    public const string Current = "0.1.0";
}

/// <summary>The host-name derived defaults, computed the way Postfix computes them.</summary>
internal static class HostNames
{
    /// <summary>The machine's name; when it has no dot, ".localdomain" is appended (Postfix's check_myhostname).</summary>
    public static string MyHostname(MainConfig config)
    {
        var name = System.Net.Dns.GetHostName();
        if (name.Contains('.', StringComparison.Ordinal))
            return name.ToLowerInvariant();
        var domain = config.IsSet("mydomain") ? config.Get("mydomain") : "localdomain";
        return (name + "." + domain).ToLowerInvariant();
    }

    /// <summary>myhostname minus its first label, or "localdomain" when that leaves no dot-less rest.</summary>
    public static string MyDomain(MainConfig config)
    {
        var host = config.Get("myhostname");
        int dot = host.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || dot == host.Length - 1)
            return "localdomain";
        return host[(dot + 1)..];
    }
}
