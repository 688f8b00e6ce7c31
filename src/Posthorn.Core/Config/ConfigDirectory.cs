namespace Posthorn.Core.Config;

/// <summary>
/// Where a command finds main.cf and master.cf: the <c>-c DIR</c> option (<c>-C</c> for
/// sendmail, mailq, newaliases), else the MAIL_CONFIG environment variable, else
/// <see cref="Default"/>.
/// </summary>
public static class ConfigDirectory
{
    public const string Default = "/etc/posthorn";

    public static string Resolve(string? fromOption)
    {
        if (!string.IsNullOrEmpty(fromOption))
            return Path.GetFullPath(fromOption);
        var env = Environment.GetEnvironmentVariable("MAIL_CONFIG");
        if (!string.IsNullOrEmpty(env))
            return Path.GetFullPath(env);
        return Default;
    }
}
