using Posthorn.Core.Config;

namespace Posthorn.Services.Cleanup;

/// <summary>Which addresses canonical mapping and masquerading apply to (canonical_classes, masquerade_classes).</summary>
[Flags]
internal enum AddressClasses
{
    None = 0,
    EnvelopeSender = 1,
    EnvelopeRecipient = 2,
    HeaderSender = 4,
    HeaderRecipient = 8,
}

/// <summary>
/// The main.cf parameters cleanup(8) reads, read once per configuration: canonical_maps,
/// sender_canonical_maps, recipient_canonical_maps and their *_classes, masquerade_domains,
/// masquerade_exceptions, masquerade_classes, virtual_alias_maps and its limits,
/// propagate_unmatched_extensions, recipient_delimiter, header_checks, mime_header_checks,
/// nested_header_checks, body_checks, body_checks_size_limit, always_bcc, sender_bcc_maps,
/// recipient_bcc_maps, header_size_limit, header_address_token_limit, hopcount_limit,
/// always_add_missing_headers, undisclosed_recipients_header, message_drop_headers,
/// enable_original_recipient, duplicate_filter_limit, enable_long_queue_ids, header_from_format,
/// myhostname, mail_name, empty_address_recipient, MIME parameters, and the smtpd(8)
/// parameters that shape the Received: header (smtpd_tls_received_header,
/// smtpd_sasl_authenticated_header, smtpd_tls_ask_ccert).
/// </summary>
public sealed class CleanupSettings
{
    public CleanupSettings(MainConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        MyHostname = config.Get("myhostname");
        MailName = config.Get("mail_name");
        MyOrigin = config.Get("myorigin");
        CanonicalMaps = config.GetList("canonical_maps");
        SenderCanonicalMaps = config.GetList("sender_canonical_maps");
        RecipientCanonicalMaps = config.GetList("recipient_canonical_maps");
        CanonicalClasses = Classes(config, "canonical_classes");
        SenderCanonicalClasses = Classes(config, "sender_canonical_classes");
        RecipientCanonicalClasses = Classes(config, "recipient_canonical_classes");
        MasqueradeDomains = config.GetList("masquerade_domains");
        MasqueradeExceptions = config.GetList("masquerade_exceptions");
        MasqueradeClasses = Classes(config, "masquerade_classes");
        VirtualAliasMaps = config.GetList("virtual_alias_maps");
        VirtualAliasRecursionLimit = config.GetInt("virtual_alias_recursion_limit");
        VirtualAliasExpansionLimit = config.GetInt("virtual_alias_expansion_limit");
        VirtualAliasAddressLengthLimit = config.GetInt("virtual_alias_address_length_limit");
        var propagate = config.GetList("propagate_unmatched_extensions");
        PropagateCanonical = propagate.Any(p => p.Equals("canonical", StringComparison.OrdinalIgnoreCase));
        PropagateVirtual = propagate.Any(p => p.Equals("virtual", StringComparison.OrdinalIgnoreCase));
        RecipientDelimiter = config.Get("recipient_delimiter");
        HeaderChecks = config.GetList("header_checks");
        MimeHeaderChecks = config.GetList("mime_header_checks");
        NestedHeaderChecks = config.GetList("nested_header_checks");
        BodyChecks = config.GetList("body_checks");
        BodyChecksSizeLimit = config.GetLong("body_checks_size_limit");
        AlwaysBcc = config.Get("always_bcc");
        SenderBccMaps = config.GetList("sender_bcc_maps");
        RecipientBccMaps = config.GetList("recipient_bcc_maps");
        HeaderSizeLimit = config.GetInt("header_size_limit");
        HeaderAddressTokenLimit = config.GetInt("header_address_token_limit");
        HopcountLimit = config.GetInt("hopcount_limit");
        AlwaysAddMissingHeaders = config.GetBool("always_add_missing_headers");
        UndisclosedRecipientsHeader = config.Get("undisclosed_recipients_header");
        MessageDropHeaders = new HashSet<string>(config.GetList("message_drop_headers"), StringComparer.OrdinalIgnoreCase);
        EnableOriginalRecipient = config.GetBool("enable_original_recipient");
        DuplicateFilterLimit = config.GetInt("duplicate_filter_limit");
        LongQueueIds = config.GetBool("enable_long_queue_ids");
        HeaderFromObsolete = config.Get("header_from_format").Trim().Equals("obsolete", StringComparison.OrdinalIgnoreCase);
        EmptyAddressRecipient = config.Get("empty_address_recipient");
        DisableMime = config.GetBool("disable_mime_input_processing");
        MimeNestingLimit = config.GetInt("mime_nesting_limit");
        TlsReceivedHeader = config.GetBool("smtpd_tls_received_header");
        SaslAuthenticatedHeader = config.GetBool("smtpd_sasl_authenticated_header");
        TlsAskClientCert = config.GetBool("smtpd_tls_ask_ccert");
    }

    public MainConfig Config { get; }
    public string MyHostname { get; }
    public string MailName { get; }
    public string MyOrigin { get; }
    public IReadOnlyList<string> CanonicalMaps { get; }
    public IReadOnlyList<string> SenderCanonicalMaps { get; }
    public IReadOnlyList<string> RecipientCanonicalMaps { get; }
    internal AddressClasses CanonicalClasses { get; }
    internal AddressClasses SenderCanonicalClasses { get; }
    internal AddressClasses RecipientCanonicalClasses { get; }
    public IReadOnlyList<string> MasqueradeDomains { get; }
    public IReadOnlyList<string> MasqueradeExceptions { get; }
    internal AddressClasses MasqueradeClasses { get; }
    public IReadOnlyList<string> VirtualAliasMaps { get; }
    public int VirtualAliasRecursionLimit { get; }
    public int VirtualAliasExpansionLimit { get; }
    public int VirtualAliasAddressLengthLimit { get; }
    public bool PropagateCanonical { get; }
    public bool PropagateVirtual { get; }
    public string RecipientDelimiter { get; }
    public IReadOnlyList<string> HeaderChecks { get; }
    public IReadOnlyList<string> MimeHeaderChecks { get; }
    public IReadOnlyList<string> NestedHeaderChecks { get; }
    public IReadOnlyList<string> BodyChecks { get; }
    public long BodyChecksSizeLimit { get; }
    public string AlwaysBcc { get; }
    public IReadOnlyList<string> SenderBccMaps { get; }
    public IReadOnlyList<string> RecipientBccMaps { get; }
    public int HeaderSizeLimit { get; }
    public int HeaderAddressTokenLimit { get; }
    public int HopcountLimit { get; }
    public bool AlwaysAddMissingHeaders { get; }
    public string UndisclosedRecipientsHeader { get; }
    public IReadOnlySet<string> MessageDropHeaders { get; }
    public bool EnableOriginalRecipient { get; }
    public int DuplicateFilterLimit { get; }
    public bool LongQueueIds { get; }
    public bool HeaderFromObsolete { get; }
    public string EmptyAddressRecipient { get; }
    public bool DisableMime { get; }
    public int MimeNestingLimit { get; }
    public bool TlsReceivedHeader { get; }
    public bool SaslAuthenticatedHeader { get; }
    public bool TlsAskClientCert { get; }

    private static AddressClasses Classes(MainConfig config, string name)
    {
        var result = AddressClasses.None;
        foreach (var item in config.GetList(name))
        {
            result |= item.ToLowerInvariant() switch
            {
                "envelope_sender" => AddressClasses.EnvelopeSender,
                "envelope_recipient" => AddressClasses.EnvelopeRecipient,
                "header_sender" => AddressClasses.HeaderSender,
                "header_recipient" => AddressClasses.HeaderRecipient,
                _ => throw new ConfigException($"{name}: unknown address class: \"{item}\""),
            };
        }
        return result;
    }
}
