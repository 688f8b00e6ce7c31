namespace Posthorn.Core.Addressing;

/// <summary>The address classes of ADDRESS_CLASS_README.</summary>
public enum AddressClass
{
    Local,
    VirtualAlias,
    VirtualMailbox,
    Relay,
    Default,
}

/// <summary>What went wrong while resolving, as Postfix's RESOLVE_FLAG_* bits.</summary>
[Flags]
public enum ResolveFlags
{
    None = 0,

    /// <summary>A table lookup failed or the configuration is unusable: defer, try again later.</summary>
    Fail = 1,

    /// <summary>The address is malformed (bad domain syntax, a local part that starts with '-').</summary>
    Error = 2,

    /// <summary>The local part carries routing operators (@ ! %): a relay attempt when the domain is not ours.</summary>
    Routed = 4,
}

/// <summary>
/// trivial-rewrite(8)'s answer for one recipient: the master.cf transport to deliver with, the
/// nexthop (a host, <c>[host]:port</c>, a socket, or the error text for the error transport), the
/// recipient after routing is stripped, and its class.
/// </summary>
public sealed record ResolveResult(string Transport, string Nexthop, string Recipient, AddressClass Class, ResolveFlags Flags)
{
    public bool Failed => (Flags & ResolveFlags.Fail) != 0;

    public bool IsError => (Flags & ResolveFlags.Error) != 0;

    public bool IsRouted => (Flags & ResolveFlags.Routed) != 0;

    /// <summary>The domain part of <see cref="Recipient"/>.</summary>
    public string Domain => Recipient[(Recipient.LastIndexOf('@') + 1)..];
}
