using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Services.Master;
using Posthorn.Services.Pop3d;

namespace Posthorn.Services.Lmtpd;

/// <summary>
/// The LMTP server (RFC 2033) for master.cf lines <c>lmtp inet n - n - - lmtpd</c> (TCP) and
/// <c>lmtp unix - - n - - lmtpd</c> (a UNIX-domain socket). The master binds inet listeners; a
/// unix service binds its own socket at <c>$queue_directory/private/NAME</c> (private column y
/// or -) or <c>$queue_directory/public/NAME</c> (n), replacing a stale socket file and making the
/// socket mode 0666 (the private directory keeps outsiders away), as Postfix's master does.
/// Each connection runs an <see cref="LmtpdConnection"/> (docs/lmtpd.md).
/// </summary>
internal sealed class LmtpdService : IMailService
{
    public async Task RunAsync(ServiceContext context, CancellationToken stopping)
    {
        var settings = LmtpdSettings.FromConfig(context.Config);
        foreach (var w in settings.Users.Warnings)
            context.Log.Warning(context.ProcessName, w);
        var listeners = context.Listeners;
        Socket? own = null;
        if (context.Entry.Type == "unix")
        {
            try
            {
                own = BindUnix(SocketPath(context.Config, context.Entry));
            }
            catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
            {
                context.Log.Fatal(context.ProcessName, $"bind {SocketPath(context.Config, context.Entry)}: {e.Message}");
                throw;
            }
            listeners = [own];
        }
        else if (context.Entry.Type != "inet")
        {
            throw new ConfigException($"service {context.Entry.Id}: lmtpd needs an inet or unix service");
        }
        try
        {
            await ConnectionHost.RunAsync(context, listeners,
                async (Socket s, CancellationToken ct) =>
                {
                    using var connection = new LmtpdConnection(s, settings, context.Log, context.ProcessName);
                    await connection.RunAsync(ct);
                },
                stopping);
        }
        finally
        {
            own?.Dispose();
        }
    }

    /// <summary>Where a unix service's socket lives: queue_directory/private/NAME or public/NAME.</summary>
    public static string SocketPath(MainConfig config, MasterService entry)
    {
        var name = entry.Name;
        if (name.StartsWith('/'))
            return name;
        return Path.Combine(config.Get("queue_directory"), entry.IsPrivate ? "private" : "public", name);
    }

    /// <summary>
    /// Binds a listening UNIX-domain socket. Whatever file has the name is removed first, as
    /// Postfix's unix_listen does (a socket left by a crash is the usual case).
    /// </summary>
    public static Socket BindUnix(string path)
    {
        if (Directory.Exists(path))
            throw new IOException($"{path} is a directory");
        File.Delete(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // 0666: anyone may connect to a public socket; private/ (0700) guards a private one.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            socket.Listen(100);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
