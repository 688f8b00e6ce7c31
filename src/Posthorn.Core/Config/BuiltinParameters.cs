using System.Reflection;

namespace Posthorn.Core.Config;

/// <summary>
/// The parameter table: every parameter of Postfix 3.7 with the default its <c>postconf -d</c>
/// prints (the embedded Defaults/postfix-3.7-defaults.cf), the host-specific ones computed the
/// way Postfix computes them, and Posthorn's own names and paths on top (docs/parameters.md).
/// </summary>
internal static class BuiltinParameters
{
    /// <summary>Parameters whose value is Posthorn's own rather than Postfix's.</summary>
    private static readonly Dictionary<string, string> PosthornOwn = new(StringComparer.Ordinal)
    {
        ["mail_name"] = "Posthorn",
        ["mail_version"] = MailVersion.Current,
        ["mail_release_date"] = MailVersion.ReleaseDate,
        ["config_directory"] = ConfigDirectory.Default,
        ["queue_directory"] = "/var/spool/posthorn",
        ["data_directory"] = "/var/lib/posthorn",
        ["daemon_directory"] = "/usr/lib/posthorn",
        ["command_directory"] = "/usr/sbin",
        ["meta_directory"] = ConfigDirectory.Default,
        ["sample_directory"] = ConfigDirectory.Default,
        ["shlib_directory"] = "no",
        ["html_directory"] = "no",
        ["readme_directory"] = "no",
        ["manpage_directory"] = "/usr/share/man",
        ["syslog_name"] = "${multi_instance_name?{$multi_instance_name}:{posthorn}}",
    };

    public static IEnumerable<ParameterDefinition> Definitions()
    {
        foreach (var (name, value) in ReadEmbeddedDefaults())
        {
            var v = PosthornOwn.TryGetValue(name, out var own) ? own : value;
            yield return new ParameterDefinition(name, v, KindOf(v), UnitOf(v));
        }
        yield return new("myhostname", "", Compute: HostNames.MyHostname);
        yield return new("mydomain", "", Compute: HostNames.MyDomain);
        yield return new("mynetworks", "", ParameterKind.List, Compute: Networks.MyNetworks);
        yield return new("process_id", "", Compute: _ => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("process_name", "", Compute: _ => ProcessName.Current);
    }

    private static IEnumerable<(string Name, string Value)> ReadEmbeddedDefaults()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("postfix-defaults.cf")
            ?? throw new InvalidOperationException("embedded postfix-defaults.cf is missing");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            int eq = line.IndexOf(" =", StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            yield return (line[..eq], line[(eq + 2)..].TrimStart());
        }
    }

    /// <summary>A default like "5d" or "300s" marks a time parameter and gives its default unit.</summary>
    private static ParameterKind KindOf(string value) =>
        UnitOf(value) != '\0' ? ParameterKind.Time : ParameterKind.String;

    private static char UnitOf(string value) =>
        value.Length >= 2 && char.IsAsciiDigit(value[0]) && "smhdw".Contains(value[^1], StringComparison.Ordinal)
            && value[..^1].All(char.IsAsciiDigit) ? value[^1] : '\0';
}

/// <summary>The version Posthorn reports as mail_version.</summary>
public static class MailVersion
{
    public const string Current = "0.1.0";
    public const string ReleaseDate = "20261124";
}

/// <summary>The name of the running command, as Postfix's process_name.</summary>
public static class ProcessName
{
    public static string Current { get; set; } = "posthorn";
}
