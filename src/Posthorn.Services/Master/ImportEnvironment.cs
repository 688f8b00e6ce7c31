using Posthorn.Core.Config;

namespace Posthorn.Services.Master;

/// <summary>
/// What Postfix's master and daemons do with their environment at start (import_environment,
/// clean_env()): every <c>NAME=value</c> entry is set (Postfix's default sets <c>LANG=C</c>),
/// and <c>MAIL_CONFIG</c> names the configuration directory, so that commands run by local(8)
/// and pipe(8) see export_environment's variables with Postfix's values. Other variables are
/// left alone here: the commands themselves get a cleared environment.
/// </summary>
internal static class ImportEnvironment
{
    public static void Apply(MainConfig main, string configDirectory)
    {
        foreach (var entry in main.GetList("import_environment"))
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
                Environment.SetEnvironmentVariable(entry[..eq], entry[(eq + 1)..]);
        }
        Environment.SetEnvironmentVariable("MAIL_CONFIG", Path.GetFullPath(configDirectory));
    }
}
