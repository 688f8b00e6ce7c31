using Posthorn.Core.Config;

namespace Posthorn.Services.Local;

/// <summary>
/// The main.cf parameters local(8) reads, once per service start: alias_maps, forward_path,
/// allow_mail_to_commands / allow_mail_to_files, prepend_delivered_header,
/// enable_original_recipient, mail_spool_directory / home_mailbox, mailbox_command,
/// mailbox_transport, fallback_transport, luser_relay, command_time_limit,
/// local_command_shell, export_environment, command_expansion_filter,
/// forward_expansion_filter, duplicate_filter_limit, owner_request_special,
/// expand_owner_alias, recipient_delimiter, default_privs, myorigin.
/// </summary>
public sealed class LocalSettings
{
    public LocalSettings(MainConfig config)
    {
        Config = config;
        AllowCommands = ClassSet(config, "allow_mail_to_commands");
        AllowFiles = ClassSet(config, "allow_mail_to_files");
        DeliveredHeader = ClassSet(config, "prepend_delivered_header");
        EnableOriginalRecipient = config.GetBool("enable_original_recipient");
        MailboxCommand = config.GetRaw("mailbox_command") ?? "";
        MailboxTransport = config.Get("mailbox_transport");
        FallbackTransport = config.Get("fallback_transport");
        LuserRelay = config.GetRaw("luser_relay") ?? "";
        ForwardPath = config.GetRaw("forward_path") ?? "";
        CommandTimeLimit = config.GetTime("command_time_limit");
        CommandShell = config.Get("local_command_shell");
        ExportEnvironment = config.GetList("export_environment");
        CommandFilter = config.Get("command_expansion_filter");
        ForwardFilter = config.Get("forward_expansion_filter");
        DuplicateFilterLimit = config.GetInt("duplicate_filter_limit");
        OwnerRequestSpecial = config.GetBool("owner_request_special");
        ExpandOwnerAlias = config.GetBool("expand_owner_alias");
        RecipientDelimiter = config.Get("recipient_delimiter");
        DefaultPrivs = config.Get("default_privs");
        MyOrigin = config.Get("myorigin");
        ExecutionDirectory = config.GetRaw("command_execution_directory") ?? "";
    }

    public MainConfig Config { get; }

    /// <summary>allow_mail_to_commands: the expansion classes (alias, forward, include) that may run commands.</summary>
    public IReadOnlySet<string> AllowCommands { get; }

    public IReadOnlySet<string> AllowFiles { get; }

    /// <summary>prepend_delivered_header: command, file, forward (mailbox deliveries always get one).</summary>
    public IReadOnlySet<string> DeliveredHeader { get; }

    public bool EnableOriginalRecipient { get; }

    public string MailboxCommand { get; }

    public string MailboxTransport { get; }

    public string FallbackTransport { get; }

    public string LuserRelay { get; }

    public string ForwardPath { get; }

    public TimeSpan CommandTimeLimit { get; }

    public string CommandShell { get; }

    public IReadOnlyList<string> ExportEnvironment { get; }

    public string CommandFilter { get; }

    public string ForwardFilter { get; }

    public int DuplicateFilterLimit { get; }

    public bool OwnerRequestSpecial { get; }

    public bool ExpandOwnerAlias { get; }

    public string RecipientDelimiter { get; }

    public string DefaultPrivs { get; }

    public string MyOrigin { get; }

    public string ExecutionDirectory { get; }

    private static HashSet<string> ClassSet(MainConfig config, string name) =>
        new(config.GetList(name).Select(s => s.ToLowerInvariant()), StringComparer.Ordinal);
}
