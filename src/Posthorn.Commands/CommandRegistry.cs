using Posthorn.Commands.Common;

namespace Posthorn.Commands;

/// <summary>A command of the multi-call executable.</summary>
public sealed record CommandInfo(string Name, string Summary, Func<CommandContext, int> Run, bool Hidden = false);

/// <summary>
/// The commands of <c>posthorn</c>, found by argv[0] (a link named <c>postconf</c>) or by the
/// first argument (<c>posthorn postconf</c>). One line a command.
/// </summary>
public static class CommandRegistry
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new("postconf", "Postfix configuration utility", Postconf.PostconfCommand.Run),
        new("postfix", "Postfix control program", Postfix.PostfixCommand.Run),
        new("master", "the master daemon (started by postfix start)", Postfix.MasterCommand.Run, Hidden: true),
        new("pw", "password hash generator and tester (doveadm pw)", Pw.PwCommand.Run),
        new("postmap", "Postfix lookup table management", Postmap.PostmapCommand.Run),
        new("postalias", "Postfix alias database maintenance", Postalias.PostaliasCommand.Run),
        new("newaliases", "rebuild the alias database (sendmail -bi)", Postalias.NewaliasesCommand.Run),
        new("sendmail", "Postfix to Sendmail compatibility interface", Sendmail.SendmailCommand.Run),
        new("mailq", "list the mail queue (sendmail -bp)", Sendmail.SendmailCommand.Run),
        new("postqueue", "Postfix queue control", Postqueue.PostqueueCommand.Run),
        new("postsuper", "Postfix superintendent", Postsuper.PostsuperCommand.Run),
        new("postcat", "show Postfix queue file contents", Postcat.PostcatCommand.Run),
        new("privsep", "root helper that delivers as the recipient (started by the master)", Privsep.PrivsepCommand.Run, Hidden: true),
    ];

    public static CommandInfo? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
