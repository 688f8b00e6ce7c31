using System.Text;
using Posthorn.Services.MailStore;
using Posthorn.Services.Master;

namespace Posthorn.Services.Local;

/// <summary>
/// Delivery to a command (local(8) command.c): <c>|command</c> in aliases, .forward and
/// :include: files, and mailbox_command. The command gets the message with a From_ line,
/// Return-Path:, X-Original-To: and (prepend_delivered_header <c>command</c>) Delivered-To:,
/// and the environment local(8) documents: HOME, LOGNAME, USER, SHELL, SENDER, RECIPIENT,
/// LOCAL, DOMAIN, EXTENSION, ORIGINAL_RECIPIENT, ENVID, CLIENT_HOSTNAME, CLIENT_ADDRESS,
/// CLIENT_HELO, CLIENT_PROTOCOL, SASL_USERNAME, plus export_environment; values censored by
/// command_expansion_filter. It runs with the rights of the alias database owner, the user, or
/// the :include: file owner, and default_privs instead of root (<see cref="CommandRunner"/>).
/// </summary>
internal sealed class LocalCommandDelivery
{
    private readonly LocalAgent _agent;

    public LocalCommandDelivery(LocalAgent agent) => _agent = agent;

    public async Task<StepResult> DeliverAsync(LocalDelivery delivery, LocalState state, string command, LocalUser? rights, CancellationToken cancel)
    {
        var settings = _agent.Settings;
        var runAs = _agent.RunAs(rights);
        if (UnixAccount.IsRoot && (runAs is null || runAs.Uid == 0))
        {
            _agent.Log.Warning(_agent.ProcessName, $"unknown or privileged default_privs account: {settings.DefaultPrivs}");
            return StepResult.Defer("4.3.5", "mail system configuration error");
        }
        if (delivery.BeenHere($"command {runAs?.Uid ?? 0} {command}"))
            return StepResult.Sent($"delivered to command: {command}");

        var a = LocalAddress.Parse(state.Address, settings.RecipientDelimiter);
        var request = delivery.Request;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (rights is not null)
            env["HOME"] = rights.Home;
        env["LOGNAME"] = a.User;
        env["USER"] = a.User;
        env["SENDER"] = state.Sender;
        env["RECIPIENT"] = state.Address;
        env["LOCAL"] = a.Local;
        if (rights is not null && rights.Shell.Length > 0)
            env["SHELL"] = rights.Shell;
        if (a.Domain is not null)
            env["DOMAIN"] = a.Domain;
        if (a.Extension is not null)
            env["EXTENSION"] = a.Extension;
        if (state.OriginalRecipient.Length > 0)
            env["ORIGINAL_RECIPIENT"] = state.OriginalRecipient;
        Export("ENVID", request.EnvelopeId);
        Export("CLIENT_HOSTNAME", request.ClientName);
        Export("CLIENT_ADDRESS", request.ClientAddress);
        Export("CLIENT_HELO", request.ClientHelo);
        Export("CLIENT_PROTOCOL", request.ClientProtocol);
        Export("SASL_USERNAME", request.SaslUsername);

        var prefix = MboxWriter.FromLine(state.Sender, DateTime.Now)
            + _agent.Mailbox.Prefix(state, settings.DeliveredHeader.Contains("command"));
        var head = Encoding.UTF8.GetBytes(prefix);
        var input = new byte[head.Length + delivery.Message.Content.Length];
        head.CopyTo(input, 0);
        delivery.Message.Content.CopyTo(input, head.Length);

        // Without command_execution_directory a command starts where Postfix's daemons work: the queue directory.
        string? cwd = settings.ExecutionDirectory.Length > 0
            ? LocalExpand.Expand(settings.Config, settings.ExecutionDirectory, state, rights, settings.CommandFilter)
            : settings.Config.Get("queue_directory") is { Length: > 0 } q && Directory.Exists(q) ? q : null;
        var environment = CommandRunner.Environment(settings, env);
        var privsep = _agent.Privileged();
        var result = privsep is not null
            ? await _agent.DeliverAsAsync(privsep, Privsep.DeliverAsKind.Command, runAs, command, state.Sender, input, cancel, environment, cwd)
            : await CommandRunner.RunAsync(command, input, environment, CommandRunner.Shell(settings), settings.CommandTimeLimit, runAs, cwd, cancel);
        return result.Outcome == Delivery.DeliveryOutcome.Delivered ? StepResult.Sent($"delivered to command: {command}") : result;

        void Export(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                env[name] = value;
        }
    }
}
