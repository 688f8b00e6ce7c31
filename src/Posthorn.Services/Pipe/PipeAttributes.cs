using System.Globalization;
using Posthorn.Core.Config;
using Posthorn.Services.Master;

namespace Posthorn.Services.PipeDelivery;

/// <summary>
/// The master.cf command-line attributes of a pipe(8) transport: <c>flags=</c> (D O R X F h q u
/// . &gt; as pipe(8) lists them), <c>user=user[:group]</c> (required; never root, never
/// mail_owner), <c>group=</c>, <c>size=</c> (larger messages bounce), <c>eol=</c> (line end, with
/// \n \r \t escapes; default \n), <c>null_sender=</c> (replacement for the null sender, default
/// MAILER-DAEMON), <c>directory=</c> and <c>argv=</c> (the command, always last). A mistake is a
/// <see cref="ConfigException"/> with Postfix's wording ("missing user= command-line attribute").
/// </summary>
internal sealed class PipeAttributes
{
    public string Flags { get; private init; } = "";
    public string User { get; private init; } = "";
    public uint Uid { get; private init; }
    public uint Gid { get; private init; }
    public long SizeLimit { get; private init; }
    public string Eol { get; private init; } = "\n";
    public string NullSender { get; private init; } = "MAILER-DAEMON";
    public string? Directory { get; private init; }
    public IReadOnlyList<string> Argv { get; private init; } = [];

    public bool Has(char flag) => Flags.Contains(flag, StringComparison.Ordinal);

    /// <param name="arguments">the master.cf words after the command name, -o options removed.</param>
    /// <param name="config">main.cf, for mail_owner.</param>
    /// <param name="lookup">user lookup (getpwnam); tests pass their own.</param>
    public static PipeAttributes Parse(IReadOnlyList<string> arguments, MainConfig config, Func<string, UnixAccount?>? lookup = null)
    {
        lookup ??= UnixAccount.Find;
        string flags = "", user = "", eol = "\n", nullSender = "MAILER-DAEMON";
        string? group = null, directory = null;
        long size = 0;
        List<string>? argv = null;
        for (int i = 0; i < arguments.Count; i++)
        {
            var a = arguments[i];
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? a : a[..eq];
            var value = eq < 0 ? "" : a[(eq + 1)..];
            switch (name)
            {
                case "flags":
                    foreach (var c in value)
                        if ("DFORXhqu.>".IndexOf(c, StringComparison.Ordinal) < 0)
                            throw new ConfigException($"unknown flag: {c} (ignored)");
                    flags = value;
                    break;
                case "user":
                    int colon = value.IndexOf(':', StringComparison.Ordinal);
                    user = colon < 0 ? value : value[..colon];
                    if (colon >= 0)
                        group = value[(colon + 1)..];
                    break;
                case "group":
                    group = value;
                    break;
                case "size":
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size))
                        throw new ConfigException($"bad size= value: {value}");
                    break;
                case "eol":
                    eol = value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
                    break;
                case "null_sender":
                    nullSender = value;
                    break;
                case "directory":
                    directory = value;
                    break;
                case "argv":
                    argv = [value, .. arguments.Skip(i + 1)];
                    i = arguments.Count;
                    break;
                default:
                    throw new ConfigException($"unknown attribute name: {a}");
            }
        }
        if (user.Length == 0)
            throw new ConfigException("missing user= command-line attribute");
        if (argv is null || argv[0].Length == 0)
            throw new ConfigException("missing argv= command-line attribute");
        var account = lookup(user) ?? throw new ConfigException($"unknown username: {user}");
        uint gid = account.Gid;
        if (group is not null)
            gid = (lookup == UnixAccount.Find ? UnixAccount.FindGroup(group) : null)
                ?? (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : throw new ConfigException($"unknown group: {group}"));
        if (account.Uid == 0)
            throw new ConfigException("user= command-line attribute specifies root privileges");
        var owner = config.Get("mail_owner");
        if (account.Name == owner)
            throw new ConfigException($"user= command-line attribute specifies mail system owner {owner}");
        if (gid == 0)
            throw new ConfigException("user= command-line attribute specifies privileged group id 0");
        return new PipeAttributes
        {
            Flags = flags,
            User = user,
            Uid = account.Uid,
            Gid = gid,
            SizeLimit = size,
            Eol = eol,
            NullSender = nullSender,
            Directory = directory,
            Argv = argv,
        };
    }
}
