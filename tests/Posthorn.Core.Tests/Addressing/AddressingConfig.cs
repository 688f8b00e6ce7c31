using Posthorn.Core.Config;

namespace Posthorn.Core.Tests.Addressing;

/// <summary>A main.cf with the addressing parameters spelled out, so tests do not depend on compatibility_level.</summary>
internal static class AddressingConfig
{
    public const string Base = """
        myhostname = mail.example.com
        mydomain = example.com
        myorigin = $mydomain
        mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
        inet_interfaces = 127.0.0.1
        proxy_interfaces =
        relay_domains =
        append_dot_mydomain = yes
        append_at_myorigin = yes
        swap_bangpath = yes
        allow_percent_hack = yes
        recipient_delimiter = +
        local_transport = local:$myhostname
        virtual_transport = virtual
        relay_transport = relay
        default_transport = smtp
        relayhost =
        """;

    public static MainConfig With(string extra = "") => MainConfig.FromText(Base + "\n" + extra + "\n");
}
