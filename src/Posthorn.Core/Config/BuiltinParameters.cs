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
        var postfix = ReadEmbeddedDefaults().ToList();
        var byName = postfix.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        foreach (var (name, value) in postfix)
        {
            var v = PosthornOwn.TryGetValue(name, out var own) ? own : value;
            var (kind, unit) = KindOf(name, value, byName);
            yield return new ParameterDefinition(name, v, kind, unit);
        }
        yield return new("myhostname", "", Compute: HostNames.MyHostname);
        yield return new("mydomain", "", Compute: HostNames.MyDomain);
        yield return new("mynetworks", "", ParameterKind.List, Compute: Networks.MyNetworks);
        yield return new("process_id", "", ParameterKind.Integer, Compute: _ => Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("process_name", "", Compute: _ => ProcessName.Current);

        foreach (var own in PosthornParameters.All)
            yield return own;
    }

    /// <summary>
    /// A parameter's kind from Postfix's default: "5d" or "300s" is a time whose unit a bare number
    /// takes; "yes"/"no" a boolean; digits an integer (a long for sizes and limits in bytes); a
    /// default that is just "$other" takes the kind of the other parameter.
    /// </summary>
    private static (ParameterKind Kind, char Unit) KindOf(string name, string value, Dictionary<string, string> all)
    {
        for (int hops = 0; hops < 8; hops++)
        {
            var trimmed = value.Trim();
            if (trimmed.StartsWith('$') && trimmed.Length > 1 && trimmed[1..].All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
                && all.TryGetValue(trimmed[1..], out var referenced))
            {
                value = referenced;
                continue;
            }
            break;
        }
        if (UnitOf(value) is var unit and not '\0')
            return (ParameterKind.Time, unit);
        if (value is "yes" or "no")
            return (ParameterKind.Boolean, 's');
        if (value.Length > 0 && value.All(char.IsAsciiDigit))
            return (name.Contains("size", StringComparison.Ordinal) || name.EndsWith("_limit", StringComparison.Ordinal) && value.Length > 9
                ? ParameterKind.Size : ParameterKind.Integer, 's');
        return (ParameterKind.String, 's');
    }

    /// <summary>The time unit of a default such as "300s", "${stress?{10}:{300}}s" or "5d", else '\0'.</summary>
    private static char UnitOf(string value)
    {
        if (value.Length < 2 || !"smhdw".Contains(value[^1], StringComparison.Ordinal))
            return '\0';
        var number = value[..^1];
        if (number.All(char.IsAsciiDigit) || number.EndsWith('}') && number.StartsWith("${", StringComparison.Ordinal))
            return value[^1];
        return '\0';
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
