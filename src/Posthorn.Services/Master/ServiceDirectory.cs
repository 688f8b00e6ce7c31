using System.Collections.Concurrent;

namespace Posthorn.Services.Master;

/// <summary>
/// How in-process services reach each other in place of Postfix's private/ and public/
/// sockets: a service registers what it offers under its master.cf service name (for example
/// "qmgr" registers an <see cref="IQmgrTrigger"/>), another looks it up by name and type.
/// One directory serves the master's lifetime; a reload replaces registrations.
/// </summary>
public sealed class ServiceDirectory
{
    private readonly ConcurrentDictionary<(string, Type), object> _entries = new();

    /// <summary>The in_flow_delay tokens shared by the queue manager and smtpd (Postfix's flow pipe).</summary>
    public MailFlow Flow { get; } = new();

    public void Register<T>(string serviceName, T endpoint)
        where T : class => _entries[(serviceName, typeof(T))] = endpoint;

    public void Unregister<T>(string serviceName, T endpoint)
        where T : class => _entries.TryRemove(new KeyValuePair<(string, Type), object>((serviceName, typeof(T)), endpoint));

    public bool TryFind<T>(string serviceName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? endpoint)
        where T : class
    {
        endpoint = _entries.TryGetValue((serviceName, typeof(T)), out var o) ? (T)o : null;
        return endpoint is not null;
    }
}

/// <summary>
/// What the queue manager offers to the master's public/qmgr trigger (qmgr(8)): a request such
/// as 'F' (flush dead-site caches: retry deferred mail now) or 'A' (scan all queues).
/// </summary>
public interface IQmgrTrigger
{
    void Trigger(char request);
}
