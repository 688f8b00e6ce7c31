using System.Net;
using System.Net.Sockets;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Services.DnsLookup;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Smtpd;

/// <summary>The client's names as smtpd(8) knows them (Postfix's smtpd_peer.c).</summary>
/// <param name="Name">The verified name (reverse, then forward-confirmed), or "unknown".</param>
/// <param name="ReverseName">The unverified reverse name, or "unknown".</param>
public readonly record struct ClientNames(string Name, string ReverseName, PeerNameStatus NameStatus, PeerNameStatus ReverseStatus);

/// <summary>
/// The client's reverse name lookup, as Postfix's smtpd_peer.c does it: the address's name
/// (getnameinfo, so /etc/hosts counts, or PTR through <see cref="MailDns"/> when
/// posthorn_dns_servers names servers), then the name's addresses must include the client
/// address ("forward-confirmed"); otherwise the name is "unknown" and the reverse name is kept
/// for reject_unknown_reverse_client_hostname. Bounded by posthorn_smtpd_client_lookup_timeout:
/// a lookup that takes longer counts as a temporary failure. Loopback is not special-cased.
/// </summary>
public sealed class ClientNameLookup
{
    private readonly MailDns? _dns;
    private readonly TimeSpan _timeout;
    private readonly MailLog _log;
    private readonly string _service;

    public ClientNameLookup(MainConfig config, MailLog log, string service)
    {
        ArgumentNullException.ThrowIfNull(config);
        _dns = config.GetList("posthorn_dns_servers").Count > 0 ? new MailDns(config) : null;
        _timeout = config.GetTime("posthorn_smtpd_client_lookup_timeout");
        _log = log;
        _service = service;
    }

    public async ValueTask<ClientNames> LookupAsync(IPAddress address, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        string? name;
        PeerNameStatus status;
        try
        {
            (name, status) = await ReverseAsync(address, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            (name, status) = (null, PeerNameStatus.Temporary);
        }
        if (name is null)
            return new ClientNames("unknown", "unknown", status, status);
        if (IPAddress.TryParse(name, out _))
        {
            _log.Warning(_service, $"numeric hostname: {name}");
            return new ClientNames("unknown", "unknown", PeerNameStatus.Permanent, PeerNameStatus.Permanent);
        }
        try
        {
            var (addresses, forwardStatus) = await ForwardAsync(name, cts.Token).ConfigureAwait(false);
            if (addresses.Any(a => Same(a, address)))
                return new ClientNames(name, name, PeerNameStatus.Ok, PeerNameStatus.Ok);
            if (forwardStatus == PeerNameStatus.Ok)
            {
                _log.Warning(_service, $"hostname {name} does not resolve to address {address}");
                return new ClientNames("unknown", name, PeerNameStatus.Forged, PeerNameStatus.Ok);
            }
            _log.Warning(_service, $"hostname {name} does not resolve to address {address}: Name or service not known");
            return new ClientNames("unknown", name, forwardStatus, PeerNameStatus.Ok);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ClientNames("unknown", name, PeerNameStatus.Temporary, PeerNameStatus.Ok);
        }
    }

    private static bool Same(IPAddress a, IPAddress b)
    {
        if (a.IsIPv4MappedToIPv6)
            a = a.MapToIPv4();
        if (b.IsIPv4MappedToIPv6)
            b = b.MapToIPv4();
        return a.Equals(b);
    }

    private async ValueTask<(string?, PeerNameStatus)> ReverseAsync(IPAddress address, CancellationToken ct)
    {
        if (_dns is not null)
        {
            var (status, names) = await _dns.LookupPtrAsync(address, ct).ConfigureAwait(false);
            return status switch
            {
                DnsLookupStatus.Ok => (names[0], PeerNameStatus.Ok),
                DnsLookupStatus.Retry => (null, PeerNameStatus.Temporary),
                _ => (null, PeerNameStatus.Permanent),
            };
        }
        try
        {
            var entry = await Dns.GetHostEntryAsync(address).WaitAsync(ct).ConfigureAwait(false);
            var host = entry.HostName.TrimEnd('.');
            return host.Length == 0 || host == address.ToString() ? (null, PeerNameStatus.Permanent) : (host, PeerNameStatus.Ok);
        }
        catch (SocketException e)
        {
            return (null, e.SocketErrorCode == SocketError.TryAgain ? PeerNameStatus.Temporary : PeerNameStatus.Permanent);
        }
    }

    private async ValueTask<(IReadOnlyList<IPAddress>, PeerNameStatus)> ForwardAsync(string name, CancellationToken ct)
    {
        if (_dns is not null)
        {
            var (status, addresses) = await _dns.LookupAddressesAsync(name, ct).ConfigureAwait(false);
            return (addresses, status == DnsLookupStatus.Retry ? PeerNameStatus.Temporary
                : status == DnsLookupStatus.Ok ? PeerNameStatus.Ok : PeerNameStatus.Permanent);
        }
        try
        {
            return (await Dns.GetHostAddressesAsync(name, ct).ConfigureAwait(false), PeerNameStatus.Ok);
        }
        catch (SocketException e)
        {
            return ([], e.SocketErrorCode == SocketError.TryAgain ? PeerNameStatus.Temporary : PeerNameStatus.Permanent);
        }
    }
}
