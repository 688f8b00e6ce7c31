using System.Net;
using Posthorn.Core.Addressing;
using Posthorn.Core.Config;
using Posthorn.Core.Logging;
using Posthorn.Core.Matching;
using Posthorn.Services.Smtpd.Restrictions;

namespace Posthorn.Services.Tests.Smtpd.Restrictions;

/// <summary>In-memory tables for restriction tests: "hash:/name" -> key -> value.</summary>
internal sealed class TestMaps : IMapResolver
{
    private readonly Dictionary<string, Dictionary<string, string>> _tables = new(StringComparer.Ordinal);

    public TestMaps Add(string map, string key, string value)
    {
        if (!_tables.TryGetValue(map, out var t))
            _tables[map] = t = new Dictionary<string, string>(StringComparer.Ordinal);
        t[key] = value;
        return this;
    }

    public string? Find(string mapSpec, string key, bool partialKey = false) =>
        mapSpec.StartsWith("missing:", StringComparison.Ordinal)
            ? throw new Core.Maps.TableOpenException($"open database {mapSpec}: No such file or directory")
            : _tables.TryGetValue(mapSpec, out var t) && t.TryGetValue(key, out var v) ? v : null;
}

/// <summary>DNS answers given by the test.</summary>
internal sealed class TestDns : IMailHostLookup
{
    public Dictionary<string, DnsLookupStatus> Answers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ValueTask<DnsLookupStatus> LookupMailHostAsync(string domain, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Answers.TryGetValue(domain, out var s) ? s : DnsLookupStatus.NotFound);

    public ValueTask<DnsLookupStatus> LookupHostAsync(string name, CancellationToken cancellationToken) =>
        LookupMailHostAsync(name, cancellationToken);
}

/// <summary>A restriction engine over a test main.cf, with its log captured in a temporary file.</summary>
internal sealed class RestrictionsFixture : IDisposable
{
    public const string BaseConfig = """
        myhostname = mail.example.com
        mydomain = example.com
        myorigin = $mydomain
        mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
        inet_interfaces = 127.0.0.1
        proxy_interfaces =
        mynetworks = 127.0.0.0/8
        relay_domains =
        append_dot_mydomain = no
        recipient_delimiter = +
        local_recipient_maps =
        smtpd_delay_reject = yes
        smtpd_client_restrictions =
        smtpd_helo_restrictions =
        smtpd_sender_restrictions =
        smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination
        smtpd_recipient_restrictions =
        smtpd_relay_before_recipient_restrictions = yes
        smtpd_data_restrictions =
        smtpd_end_of_data_restrictions =
        """;

    private readonly string _logPath = Path.GetTempFileName();
    private readonly MailLog _log;

    public RestrictionsFixture(string extraConfig = "", TestMaps? maps = null)
    {
        Maps = maps ?? new TestMaps();
        var config = MainConfig.FromText(BaseConfig + "\n" + extraConfig + "\n");
        _log = new MailLog("posthorn", "mail.example.com", _logPath, false);
        Restrictions = new SmtpdRestrictions(config, Maps, new AddressResolver(config, Maps), Dns, _log);
    }

    public TestMaps Maps { get; }

    public TestDns Dns { get; } = new();

    public SmtpdRestrictions Restrictions { get; }

    public string Log
    {
        get
        {
            _log.Dispose();
            return File.ReadAllText(_logPath);
        }
    }

    public static SmtpdCheckState Client(string address = "192.0.2.10", string name = "client.example.org") =>
        new(name, IPAddress.Parse(address)) { HeloName = "client.example.org", Protocol = "ESMTP" };

    public void Dispose()
    {
        _log.Dispose();
        File.Delete(_logPath);
    }
}
