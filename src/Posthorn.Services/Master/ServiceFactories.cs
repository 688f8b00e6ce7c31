namespace Posthorn.Services.Master;

/// <summary>
/// The services of this build: master.cf command name to factory, one line a service, as
/// Commands/CommandRegistry lists the commands. Add a service here when it is built.
/// </summary>
public static class ServiceFactories
{
    public static IReadOnlyList<KeyValuePair<string, MailServiceFactory>> All { get; } =
    [
        new("posthorn-banner", _ => new BannerService()),
        new("smtp", _ => new SmtpClient.SmtpService()),
        new("lmtp", _ => new SmtpClient.SmtpService()),
        new("pipe", _ => new Pipe.PipeService()),
    ];
}
