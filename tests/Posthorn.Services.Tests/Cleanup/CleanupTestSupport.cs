using Posthorn.Core.Config;
using Posthorn.Core.Matching;
using Posthorn.Services.Cleanup;

namespace Posthorn.Services.Tests.Cleanup;

/// <summary>In-memory tables for tests: "hash:/name" -> key -> value; records every lookup.</summary>
internal sealed class FakeMaps : IMapResolver
{
    private readonly Dictionary<string, Dictionary<string, string>> _tables = new(StringComparer.Ordinal);

    public List<(string Map, string Key, bool Partial)> Queries { get; } = [];

    public FakeMaps Add(string map, string key, string value)
    {
        if (!_tables.TryGetValue(map, out var t))
            _tables[map] = t = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        t[key] = value;
        return this;
    }

    public string? Find(string mapSpec, string key, bool partialKey = false)
    {
        Queries.Add((mapSpec, key, partialKey));
        return _tables.TryGetValue(mapSpec, out var t) && t.TryGetValue(key, out var v) ? v : null;
    }
}

/// <summary>A main.cf with every parameter these tests depend on spelled out, and a runner.</summary>
internal static class CleanupTest
{
    public const string Base = """
        myhostname = mail.example.com
        mydomain = example.com
        myorigin = $mydomain
        mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
        inet_interfaces = 127.0.0.1
        proxy_interfaces =
        append_dot_mydomain = no
        append_at_myorigin = yes
        swap_bangpath = yes
        allow_percent_hack = yes
        recipient_delimiter = +
        mail_name = Postfix
        remote_header_rewrite_domain =
        always_add_missing_headers = no
        undisclosed_recipients_header =
        header_checks =
        body_checks =
        canonical_maps =
        virtual_alias_maps =
        masquerade_domains =
        smtpd_tls_received_header = no
        smtpd_sasl_authenticated_header = no
        """;

    public static readonly DateTimeOffset Arrival = new(2026, 11, 24, 23, 45, 1, TimeSpan.Zero);

    public static CleanupProcessor Processor(string extra = "", FakeMaps? maps = null) =>
        new(MainConfig.FromText(Base + "\n" + extra + "\n"), maps ?? new FakeMaps(), TimeZoneInfo.Utc);

    public static CleanupClient Smtp => new("client.example.org", "192.0.2.10", "helo.example.org", "ESMTP");

    public static CleanupEnvelope Envelope(string sender = "sender@example.org", string[]? rcpts = null, CleanupClient? client = null,
        bool local = false, string? fullName = null) =>
        new("4ABC123DEF", Arrival, sender, (rcpts ?? ["rcpt@example.net"]).Select(r => new CleanupRecipient(r)).ToList(),
            client ?? Smtp, local, fullName);

    /// <summary>Runs a whole message; headers and body are given as physical lines.</summary>
    public static (CleanupResult Result, CollectingContentSink Sink) Run(CleanupProcessor p, CleanupEnvelope env, string[] headers, params string[] body)
    {
        var sink = new CollectingContentSink();
        var m = p.Begin(env, sink);
        foreach (var h in headers)
            m.AddHeaderLine(h);
        m.EndOfHeaders();
        foreach (var b in body)
            m.AddBodyLine(b);
        return (m.Finish(), sink);
    }

    /// <summary>The headers after our own Received: header.</summary>
    public static List<string> AfterReceived(CollectingContentSink sink) =>
        sink.Headers.SkipWhile((h, i) => i == 0 || h.StartsWith('\t')).ToList();

    public static List<string> Logs(CleanupResult r) => r.Log.Select(l => l.ToString()).ToList();
}
