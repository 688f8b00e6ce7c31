using System.Text;

namespace Posthorn.Core.Addressing;

/// <summary>Which command a path came from; it decides whether "&lt;&gt;" is allowed and the error wording.</summary>
public enum MailAddressRole
{
    /// <summary>MAIL FROM: the null sender "&lt;&gt;" is allowed.</summary>
    Sender,

    /// <summary>RCPT TO: "&lt;&gt;" is an error.</summary>
    Recipient,
}

/// <summary>
/// An envelope address from an RFC 5321 path (section 4.1.2): <c>&lt;local@domain&gt;</c>, the null
/// sender <c>&lt;&gt;</c>, quoted local parts, address literals, and SMTPUTF8 addresses (RFC 6531).
/// <see cref="Address"/> is Postfix's internal form (quotes removed: <c>"a b"@x</c> becomes
/// <c>a b@x</c>); <see cref="Quoted"/> is the external form. A source route
/// (<c>&lt;@a,@b:user@dom&gt;</c>) is stripped, as Postfix's smtpd does. As lenient as Postfix
/// where real mail needs it: an address without a domain is accepted (cleanup appends
/// $myorigin), and so are unquoted local parts with leading, trailing or doubled dots
/// (<c>john..doe@example.com</c>), which RFC 5321 forbids but some senders use.
/// </summary>
public sealed record MailAddress(string LocalPart, string? Domain)
{
    /// <summary>The null sender.</summary>
    public static readonly MailAddress Null = new("", null);

    /// <summary>True for the null sender "&lt;&gt;".</summary>
    public bool IsNull => LocalPart.Length == 0 && Domain is null;

    /// <summary>Internal form: local@domain, unquoted.</summary>
    public string Address => Domain is null ? LocalPart : LocalPart + "@" + Domain;

    /// <summary>External form: the local part quoted when it needs quoting.</summary>
    public string Quoted => IsNull ? "" :
        (MailAddressSyntax.IsDotAtom(LocalPart) ? LocalPart : MailAddressSyntax.Quote(LocalPart))
        + (Domain is null ? "" : "@" + Domain);

    /// <summary>The address holds non-ASCII characters: delivery needs SMTPUTF8.</summary>
    public bool RequiresSmtpUtf8 => !Ascii.IsValid(LocalPart) || (Domain is not null && !Ascii.IsValid(Domain));

    public override string ToString() => Address;

    /// <summary>
    /// Parses an SMTP path as the client sent it. On failure returns null and sets
    /// <paramref name="error"/> to Postfix smtpd's reply ("501 5.1.7 Bad sender address syntax"
    /// or "501 5.1.3 Bad recipient address syntax").
    /// </summary>
    /// <param name="strictRfc821">strict_rfc821_envelopes: require the angle brackets.</param>
    /// <param name="smtpUtf8">The client declared SMTPUTF8 (RFC 6531) in MAIL FROM. Without it a
    /// non-ASCII domain is refused, as Postfix's smtpd_check_addr does; a non-ASCII local part is
    /// accepted either way (Postfix never refused 8-bit local parts; strict_smtputf8 is smtpd's
    /// check, with <c>553 5.6.7 Must declare SMTPUTF8 to send unicode address</c>).</param>
    public static MailAddress? ParsePath(string path, MailAddressRole role, out string? error,
        bool strictRfc821 = false, bool smtpUtf8 = true)
    {
        error = null;
        var result = MailAddressSyntax.Parse(path, role == MailAddressRole.Sender, strictRfc821, smtpUtf8);
        if (result is null)
            error = role == MailAddressRole.Sender
                ? "501 5.1.7 Bad sender address syntax"
                : "501 5.1.3 Bad recipient address syntax";
        return result;
    }

    /// <summary>Parses a bare address "local@domain" (no angle brackets), e.g. from a table.</summary>
    public static MailAddress? ParseAddress(string address, bool smtpUtf8 = true) =>
        address.Length == 0 ? null : MailAddressSyntax.Parse(address, allowNull: false, strict: false, smtpUtf8);
}
