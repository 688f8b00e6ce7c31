using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Posthorn.Core.Config;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.DnsLookup;

/// <summary>One TLSA record (RFC 6698): certificate usage, selector, matching type and association data.</summary>
public sealed record TlsaData(int Usage, int Selector, int MatchingType, byte[] Data);

/// <summary>One MX record: preference and exchange host (without the trailing dot).</summary>
public sealed record MxRecord(int Preference, string Exchange);

/// <summary>
/// Posthorn's DNS client, over DnsClient.NET: MX and address lookups with Postfix's status
/// classes (found, not found, try again, null MX RFC 7505). The name servers are the system's
/// (/etc/resolv.conf) unless the main.cf parameter <c>posthorn_dns_servers</c> names others
/// ("127.0.0.1:5353 [::1]:53"), which is how tests and the lab point Posthorn at their own
/// server. <c>disable_dns_lookups</c> and <c>smtp_host_lookup</c> are honoured by the callers.
/// </summary>
public sealed class MailDns : IMailHostLookup
{
    private readonly LookupClient _client;
    private readonly Lazy<LookupClient> _dnssecClient;

    public MailDns(MainConfig config)
    {
        var servers = config.GetList("posthorn_dns_servers").Select(ParseEndpoint).ToArray();
        var options = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        options.UseCache = true;
        options.Timeout = TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        _client = new LookupClient(options);
        _dnssecClient = new Lazy<LookupClient>(() =>
        {
            var o = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
            o.UseCache = true;
            o.Timeout = TimeSpan.FromSeconds(5);
            o.Retries = 2;
            o.ThrowDnsErrors = false;
            o.ContinueOnDnsError = false;
            o.RequestDnsSecRecords = true;
            return new LookupClient(o);
        });
    }

    /// <summary>
    /// Whether the resolver validated the answer for name and type (the AD bit of a response to a
    /// query with the DO bit; smtp_dns_support_level = dnssec trusts a validating resolver, as
    /// Postfix does). Retry when the lookup failed.
    /// </summary>
    public async ValueTask<(DnsLookupStatus Status, bool Secure)> LookupSecurityAsync(string name, string type, CancellationToken ct)
    {
        var (status, response) = await QueryAsync(_dnssecClient.Value, name, Enum.Parse<QueryType>(type), ct);
        return (status, response?.Header.IsAuthenticData == true);
    }

    /// <summary>TLSA records at _port._tcp.host (RFC 6698, RFC 7672) and whether they were validated.</summary>
    public async ValueTask<(DnsLookupStatus Status, bool Secure, IReadOnlyList<TlsaData> Records)> LookupTlsaAsync(string host, int port, CancellationToken ct)
    {
        var (status, response) = await QueryAsync(_dnssecClient.Value, $"_{port}._tcp.{host.TrimEnd('.')}", QueryType.TLSA, ct);
        var records = response?.Answers.TlsaRecords()
            .Select(r => new TlsaData((int)r.CertificateUsage, (int)r.Selector, (int)r.MatchingType, r.CertificateAssociationData.ToArray()))
            .ToList() ?? [];
        return (records.Count > 0 ? DnsLookupStatus.Ok : status, response?.Header.IsAuthenticData == true, records);
    }

    /// <summary>MX records sorted by preference, or the status that explains their absence.</summary>
    public async ValueTask<(DnsLookupStatus Status, IReadOnlyList<MxRecord> Records)> LookupMxAsync(string domain, CancellationToken ct)
    {
        var (status, response) = await QueryAsync(domain, QueryType.MX, ct);
        if (status != DnsLookupStatus.Ok || response is null)
            return (status, []);
        var mx = response.Answers.MxRecords()
            .Select(r => new MxRecord(r.Preference, r.Exchange.Value.TrimEnd('.')))
            .OrderBy(r => r.Preference)
            .ToList();
        if (mx.Count == 1 && mx[0].Exchange.Length == 0)
            return (DnsLookupStatus.NullMx, []);
        return (mx.Count > 0 ? DnsLookupStatus.Ok : DnsLookupStatus.NotFound, mx);
    }

    /// <summary>A and AAAA records of a host.</summary>
    public async ValueTask<(DnsLookupStatus Status, IReadOnlyList<IPAddress> Addresses)> LookupAddressesAsync(string host, CancellationToken ct)
    {
        var (s4, r4) = await QueryAsync(host, QueryType.A, ct);
        var (s6, r6) = await QueryAsync(host, QueryType.AAAA, ct);
        var addresses = new List<IPAddress>();
        if (r4 is not null)
            addresses.AddRange(r4.Answers.ARecords().Select(a => a.Address));
        if (r6 is not null)
            addresses.AddRange(r6.Answers.AaaaRecords().Select(a => a.Address));
        if (addresses.Count > 0)
            return (DnsLookupStatus.Ok, addresses);
        return (s4 == DnsLookupStatus.Retry || s6 == DnsLookupStatus.Retry ? DnsLookupStatus.Retry : DnsLookupStatus.NotFound, addresses);
    }

    /// <summary>PTR records of an address (smtpd's client name lookup), names without the final dot.</summary>
    public async ValueTask<(DnsLookupStatus Status, IReadOnlyList<string> Names)> LookupPtrAsync(IPAddress address, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        var (status, response) = await QueryAsync(address.GetArpaName(), QueryType.PTR, ct);
        if (status != DnsLookupStatus.Ok || response is null)
            return (status, []);
        var names = response.Answers.PtrRecords().Select(r => r.PtrDomainName.Value.TrimEnd('.')).ToList();
        return (names.Count > 0 ? DnsLookupStatus.Ok : DnsLookupStatus.NotFound, names);
    }

    public async ValueTask<DnsLookupStatus> LookupMailHostAsync(string domain, CancellationToken cancellationToken)
    {
        var (status, _) = await LookupMxAsync(domain, cancellationToken);
        if (status is DnsLookupStatus.Ok or DnsLookupStatus.NullMx or DnsLookupStatus.Retry)
            return status;
        return (await LookupAddressesAsync(domain, cancellationToken)).Status;
    }

    public async ValueTask<DnsLookupStatus> LookupHostAsync(string name, CancellationToken cancellationToken)
    {
        var (status, _) = await LookupAddressesAsync(name, cancellationToken);
        if (status != DnsLookupStatus.NotFound)
            return status;
        var (mx, _) = await LookupMxAsync(name, cancellationToken);
        return mx == DnsLookupStatus.NullMx ? DnsLookupStatus.Ok : mx;
    }

    private ValueTask<(DnsLookupStatus, IDnsQueryResponse?)> QueryAsync(string name, QueryType type, CancellationToken ct) =>
        QueryAsync(_client, name, type, ct);

    private static async ValueTask<(DnsLookupStatus, IDnsQueryResponse?)> QueryAsync(LookupClient client, string name, QueryType type, CancellationToken ct)
    {
        try
        {
            var response = await client.QueryAsync(name, type, QueryClass.IN, ct);
            if (response.HasError)
            {
                return response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
                    ? (DnsLookupStatus.NotFound, null)
                    : (DnsLookupStatus.Retry, null);
            }
            return (response.Answers.Count > 0 ? DnsLookupStatus.Ok : DnsLookupStatus.NotFound, response);
        }
        catch (DnsResponseException)
        {
            return (DnsLookupStatus.Retry, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (DnsLookupStatus.Retry, null);
        }
    }

    private static IPEndPoint ParseEndpoint(string text)
    {
        if (IPEndPoint.TryParse(text, out var ep))
            return ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep;
        throw new ConfigException($"posthorn_dns_servers: bad name server address: \"{text}\"");
    }
}
