using Posthorn.Services.Delivery;

namespace Posthorn.Services.Local;

/// <summary>How an address was reached (Postfix's EXPAND_TYPE_*): it decides which allow_mail_to_* class applies.</summary>
public enum ExpansionType
{
    None,
    Alias,
    Forward,
    Include,
}

/// <summary>
/// The per-level delivery state of local(8) (LOCAL_STATE/DELIVER_ATTR/USER_ATTR): the address
/// being delivered, the sender (changed by an <c>owner-</c> alias), the expansion that
/// produced the address, the address for <c>Delivered-To:</c>, and the account whose rights
/// commands and files use. Immutable; each expansion step makes a copy with <c>with</c>.
/// </summary>
public sealed record LocalState(
    DeliveryRecipient Recipient,
    string Address,
    string Sender,
    int Level = 0,
    string? Owner = null,
    ExpansionType ExpansionType = ExpansionType.None,
    string? ExpansionFrom = null,
    string? Delivered = null,
    LocalUser? Rights = null)
{
    /// <summary>The original recipient for X-Original-To and ORIGINAL_RECIPIENT.</summary>
    public string OriginalRecipient => Recipient.OriginalRecipient ?? Recipient.Address;

    /// <summary>The allow_mail_to_* class name of <see cref="ExpansionType"/>.</summary>
    public string ExpansionClass => ExpansionType switch
    {
        ExpansionType.Alias => "alias",
        ExpansionType.Forward => "forward",
        ExpansionType.Include => "include",
        _ => "",
    };
}

/// <summary>
/// The parts of a local address (local(8) "the local part is folded to lower case"; the
/// extension splits at a recipient_delimiter character).
/// </summary>
public sealed record LocalAddress(string Local, string User, string? Extension, string? Domain)
{
    public static LocalAddress Parse(string address, string delimiters)
    {
        int at = address.LastIndexOf('@');
        var local = (at < 0 ? address : address[..at]).ToLowerInvariant();
        var domain = at < 0 ? null : address[(at + 1)..];
        var (user, ext) = Core.Maps.AddressLookup.SplitExtension(local, delimiters);
        return new(local, user, ext?[1..], domain);
    }
}

/// <summary>What one delivery step ended with; the outcomes of all steps for one recipient are combined.</summary>
public sealed record StepResult(DeliveryOutcome Outcome, string Dsn, string Reason)
{
    /// <summary>The address this step delivered for (a list member, the alias naming a file), logged as to=&lt;...&gt;.</summary>
    public string? Address { get; init; }

    public static StepResult Sent(string reason) => new(DeliveryOutcome.Delivered, "2.0.0", reason);

    public static StepResult Defer(string dsn, string reason) => new(DeliveryOutcome.Deferred, dsn, reason);

    public static StepResult Bounce(string dsn, string reason) => new(DeliveryOutcome.Bounced, dsn, reason);

    /// <summary>Deferred or bounced by the class of the DSN code (4 or 5), as Postfix's "why->status[0] == '4'".</summary>
    public static StepResult Failed(string dsn, string reason) =>
        dsn.StartsWith('4') ? Defer(dsn, reason) : Bounce(dsn, reason);
}
