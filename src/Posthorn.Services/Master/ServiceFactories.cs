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
        new("qmgr", _ => new Qmgr.QmgrService()),
        new("error", _ => new Error.ErrorService()),
        new("discard", _ => new Discard.DiscardService()),
        new("pop3d", _ => new Pop3d.Pop3dService()),
        new("lmtpd", _ => new Lmtpd.LmtpdService()),
        new("local", _ => new Local.LocalService()),
        new("virtual", _ => new Virtual.VirtualService()),
        new("smtpd", _ => new Smtpd.SmtpdService()),
        new("pickup", _ => new Pickup.PickupService()),
        new("imapd", _ => new Imapd.ImapdService()),
        new("smtp", _ => new SmtpClient.SmtpService()),
        new("lmtp", _ => new SmtpClient.SmtpService()),
        new("pipe", _ => new PipeDelivery.PipeService()),
    ];
}
