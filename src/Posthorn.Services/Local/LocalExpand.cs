using Posthorn.Core.Config;

namespace Posthorn.Services.Local;

/// <summary>
/// local(8)'s $name expansion (local_expand) for forward_path, luser_relay and
/// command_execution_directory: <c>$user</c>, <c>$home</c>, <c>$shell</c>,
/// <c>$recipient</c>, <c>$extension</c>, <c>$domain</c>, <c>$local</c>, <c>$mailbox</c>,
/// <c>$recipient_delimiter</c>, with the <c>${name?value}</c> and <c>${name:value}</c> forms,
/// falling back to main.cf parameters. Characters of attribute values not in the filter
/// (forward_expansion_filter, command_expansion_filter) become '_'; values are not expanded again.
/// </summary>
public static class LocalExpand
{
    public static string Expand(MainConfig config, string pattern, LocalState state, LocalUser? user, string? filter)
    {
        var a = LocalAddress.Parse(state.Address, config.Get("recipient_delimiter"));
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["user"] = user?.Name ?? a.User,
            ["home"] = user?.Home ?? "",
            ["shell"] = user?.Shell ?? "",
            ["recipient"] = state.Address,
            ["extension"] = a.Extension ?? "",
            ["domain"] = a.Domain ?? "",
            ["local"] = a.Local,
            ["mailbox"] = a.Local,
            ["recipient_delimiter"] = a.Extension is null ? "" : a.Local[a.User.Length].ToString(),
        };
        var overrides = attrs.Select(kv => new KeyValuePair<string, string>(kv.Key, Escape(Filter(kv.Value, filter))));
        return config.WithOverrides(overrides).Expand(pattern);
    }

    private static string Filter(string value, string? allowed)
    {
        if (string.IsNullOrEmpty(allowed))
            return value;
        var chars = value.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (!allowed.Contains(chars[i], StringComparison.Ordinal))
                chars[i] = '_';
        }
        return new string(chars);
    }

    private static string Escape(string value) => value.Replace("$", "$$", StringComparison.Ordinal);
}
