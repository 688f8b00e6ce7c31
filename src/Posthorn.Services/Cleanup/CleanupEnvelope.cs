namespace Posthorn.Services.Cleanup;

/// <summary>
/// What cleanup(8) may do to a message, as smtpd(8) and pickup(8) pass it after their
/// receive_override_options: address mappings (canonical, masquerading, virtual aliases),
/// automatic BCC recipients, header/body checks.
/// </summary>
[Flags]
public enum CleanupFlags
{
    None = 0,
    AddressMappings = 1,
    AutomaticBcc = 2,
    HeaderBodyChecks = 4,
    Default = AddressMappings | AutomaticBcc | HeaderBodyChecks,
}

/// <summary>The TLS session details smtpd(8) shows in its Received: header.</summary>
/// <param name="Protocol">"TLSv1.3".</param>
/// <param name="Cipher">"TLS_AES_256_GCM_SHA384".</param>
/// <param name="KeyExchange">"X25519", or null when unknown.</param>
/// <param name="ServerSignature">"RSA-PSS (2048 bits)", or null.</param>
/// <param name="ServerDigest">"SHA256", or null.</param>
/// <param name="ClientCommonName">The client certificate's CN when the client presented one.</param>
public sealed record CleanupTls(
    string Protocol,
    string Cipher,
    int UseBits,
    int AlgBits,
    string? KeyExchange = null,
    string? ServerSignature = null,
    string? ServerDigest = null,
    string? ClientCommonName = null,
    string? ClientIssuer = null,
    bool ClientCertTrusted = false);

/// <summary>
/// The submitting side as smtpd(8) or pickup(8) knows it. For SMTP: client name and address,
/// HELO, protocol (SMTP, ESMTP; the S and A of RFC 3848 are added from Tls and SaslUser),
/// TLS, SASL user. For local submission (pickup): Uid and no address.
/// </summary>
public sealed record CleanupClient(
    string? Name = null,
    string? Address = null,
    string? Helo = null,
    string Protocol = "ESMTP",
    CleanupTls? Tls = null,
    string? SaslUser = null,
    long? Uid = null)
{
    /// <summary>A local submission (sendmail/postdrop/pickup) by this uid.</summary>
    public static CleanupClient Local(long uid) => new(Protocol: "", Uid: uid);

    /// <summary>Mail the system makes itself (bounce notices, local forwarding): "Received: by host (mail_name)" without a uid, as Postfix's post_mail() and local(8).</summary>
    public static CleanupClient Internal { get; } = new(Protocol: "");

    internal bool IsLocalSubmission => Address is null;

    /// <summary>The protocol with RFC 3848's S (TLS) and A (SASL) when it is ESMTP.</summary>
    public string ReceivedProtocol =>
        Protocol == "ESMTP" ? Protocol + (Tls is null ? "" : "S") + (SaslUser is null ? "" : "A") : Protocol;

    /// <summary>"name[addr]" for cleanup's log lines; "local" for local submission.</summary>
    internal string LogOrigin => Address is null ? "local" : $"{Name ?? "unknown"}[{Address}]";
}

/// <summary>An envelope recipient as submitted: address, the original recipient, DSN NOTIFY and ORCPT.</summary>
/// <param name="Address">The recipient address (internal, unquoted form).</param>
/// <param name="OriginalRecipient">The address before any rewriting; defaults to Address.</param>
/// <param name="DsnNotify">Postfix's DSN NOTIFY bit mask (0 when unspecified).</param>
/// <param name="DsnOrcpt">"rfc822;addr" from ORCPT, or null.</param>
public sealed record CleanupRecipient(string Address, string? OriginalRecipient = null, int DsnNotify = 0, string? DsnOrcpt = null)
{
    public string Original => OriginalRecipient ?? Address;
}

/// <summary>
/// The envelope cleanup(8) receives before the content: queue id, arrival time, sender,
/// recipients, the client, whether header addresses are rewritten in the local context
/// (the client matched local_header_rewrite_clients, or local submission), the sender's full
/// name (local submission), the processing flags, and the content_filter smtpd/pickup use
/// (a FILTER action of header/body checks overrides it).
/// </summary>
public sealed record CleanupEnvelope(
    string QueueId,
    DateTimeOffset ArrivalTime,
    string Sender,
    IReadOnlyList<CleanupRecipient> Recipients,
    CleanupClient Client,
    bool LocalHeaderRewrite,
    string? FullName = null,
    CleanupFlags Flags = CleanupFlags.Default,
    string? ContentFilter = null);
