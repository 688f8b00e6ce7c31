using System.Net;
using System.Net.Sockets;

namespace Posthorn.Services.Master;

/// <summary>
/// The master's listening TCP sockets, one per address of each inet service (master(5)).
/// Across <c>postfix reload</c> a socket whose address did not change is handed to the next
/// generation of services still open, so no connection attempt is refused; sockets for
/// addresses no longer configured are closed. The backlog is the service's process limit or
/// default_process_limit, whichever is larger, as Postfix's master uses.
/// </summary>
public sealed class ListenerPool : IDisposable
{
    private readonly Dictionary<IPEndPoint, Socket> _sockets = [];

    public IReadOnlyCollection<IPEndPoint> Endpoints => _sockets.Keys;

    /// <summary>
    /// The listener for an address: the one kept from <paramref name="previous"/> (moved into
    /// this pool) or a newly bound one. Throws <see cref="SocketException"/> when binding fails.
    /// </summary>
    public Socket Get(IPEndPoint endpoint, int backlog, ListenerPool? previous)
    {
        if (_sockets.TryGetValue(endpoint, out var mine))
            return mine;
        if (previous is not null && previous._sockets.Remove(endpoint, out var kept))
        {
            _sockets[endpoint] = kept;
            return kept;
        }
        var socket = Bind(endpoint, backlog);
        _sockets[endpoint] = socket;
        return socket;
    }

    /// <summary>A listening socket with SO_REUSEADDR, IPv6 sockets v6-only, as Postfix's inet_listen makes them.</summary>
    public static Socket Bind(IPEndPoint endpoint, int backlog)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false;
            socket.Bind(endpoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Postfix's wording for an address: "127.0.0.1 port 25".</summary>
    public static string Describe(IPEndPoint endpoint) => $"{endpoint.Address} port {endpoint.Port}";

    public void Dispose()
    {
        foreach (var s in _sockets.Values)
            s.Dispose();
        _sockets.Clear();
    }
}
