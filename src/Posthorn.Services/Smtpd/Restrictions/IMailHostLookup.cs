namespace Posthorn.Services.Smtpd.Restrictions;

/// <summary>DNS answers the restrictions need, as Postfix's dns_lookup status codes.</summary>
public enum DnsLookupStatus
{
    Ok,
    NotFound,
    Retry,
    NullMx,
    Invalid,
}

/// <summary>
/// DNS lookups for reject_unknown_sender_domain, reject_unknown_recipient_domain and
/// reject_unknown_helo_hostname: a mail host has MX or address records; a host name has address
/// (or MX) records. Implemented over DnsClient; tests substitute their own.
/// </summary>
public interface IMailHostLookup
{
    ValueTask<DnsLookupStatus> LookupMailHostAsync(string domain, CancellationToken cancellationToken);

    ValueTask<DnsLookupStatus> LookupHostAsync(string name, CancellationToken cancellationToken);
}
